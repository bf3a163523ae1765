"""Text from core shown through Streamlit's Markdown, which reads "$...$" as LaTeX: two dollar
amounts in one line ("won $412k of $500k") would turn into a formula."""


def literal(text: str) -> str:
    return text.replace("$", "\\$")
