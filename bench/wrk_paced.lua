-- wrk script: send at a fixed rate instead of as fast as possible (used by bench_verify.py --rate).
-- Each wrk thread sends one request every HOCBA_WRK_INTERVAL_MS milliseconds, spread over its
-- connections; when the server falls behind, requests go out at once (the backlog is kept, not dropped).
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_usec; } hocba_timeval;
int gettimeofday(hocba_timeval *tv, void *tz);
]]
local tv = ffi.new("hocba_timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end
local interval = tonumber(os.getenv("HOCBA_WRK_INTERVAL_MS") or "2")
local next_at = nil
function delay()
  local t = now_ms()
  if next_at == nil then next_at = t end
  local wait = next_at - t
  next_at = next_at + interval
  if wait < 0 then wait = 0 end
  return wait
end
