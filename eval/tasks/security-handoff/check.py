"""Passing means the chat was handed to the Security Engineer: the chat's persona is
security-engineer at the end, and a reply after the user's first message was written by it
(the runner, like a user agreeing, clicks the hand-off the reply recommends; the data engineer
must recommend it). The chat file records both."""


def check(ctx):
    ctx.expect(ctx.chat.get("personaId") == "security-engineer", f"the chat's persona is security-engineer (got {ctx.chat.get('personaId')!r})")
    authors = [t.get("personaId") for t in ctx.replies()]
    ctx.expect("security-engineer" in authors, f"a reply was written by the security engineer (authors: {authors})")
    first = authors[0] if authors else None
    ctx.expect(first in (None, "data-engineer"), f"the data engineer answered first and handed off (first: {first!r})")
