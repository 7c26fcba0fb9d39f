"""The browser's own questions (window.confirm of a ``form[data-confirm]``), answered as a user would."""

from __future__ import annotations


def answer_no(page, button) -> list[str]:
    """Click ``button`` and answer the page's question with Cancel; the questions asked."""
    asked = []

    def refuse(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    button.click()
    page.wait_for_timeout(300)
    return asked
