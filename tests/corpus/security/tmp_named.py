# safe: SEC026
import tempfile


def render(html):
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as fh:
        fh.write(html)
        return fh.name
