"""Text shown through Streamlit's Markdown (st.title, st.header, st.markdown, st.write,
st.success, st.caption, ...), which reads more than Markdown: "$...$" as LaTeX, ":red[...]" as
a colour directive, ":smile:" as an emoji, ":material/home:" as an icon."""

import re

# What Markdown and Streamlit read in running text ("&" starts an entity such as &copy;, "/"
# completes ":material/name:"), and what starts a block at the start of a line (a list item,
# a numbered item, a setext heading's underline).
_SPECIAL = re.compile(r"[\\`*_\[\]<>#|~$:()!&/]|^[ \t]*(?:[-+=]|\d+\.)", re.MULTILINE)


def literal(text: str) -> str:
    """Core text with dollar amounts and nothing typed by users: two amounts in one line
    ("won $412k of $500k") would otherwise turn into a formula."""
    return text.replace("$", "\\$")


def plain(text: str) -> str:
    """What a user typed (a name, a note, a reason), or core text that embeds it, shown as
    typed: a customer named "**Acme** $5 and $6 [x](http://e.com)" would otherwise show bold,
    as a formula and as a link. Each such character gets a backslash, which CommonMark allows
    before any ASCII punctuation and renders as the character alone."""
    return _SPECIAL.sub(lambda m: m[0][:-1] + "\\" + m[0][-1], text)


def plain_lines(text: str) -> str:
    """`plain`, keeping the typed line breaks: Markdown would join the lines of a
    description or a note into one paragraph."""
    return "  \n".join(plain(line) for line in text.split("\n"))
