import pytest

from paperwire.lib.markup import render_markdown


def test_it_renders_the_subset():
    html = render_markdown("*a* **b** `c`\n\n- one\n- two\n\n> quote\n\n[link](https://x.org)")
    assert "<em>a</em> <strong>b</strong> <code>c</code>" in html
    assert "<li>one</li>" in html and "<blockquote>" in html
    assert '<a href="https://x.org" rel="nofollow noopener noreferrer ugc">link</a>' in html


def test_it_leaves_headings_and_images_as_text():
    html = render_markdown("# Title\n\n![img](https://x.org/a.png)")
    assert "<h1>" not in html and "<img" not in html


@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "[x](  javascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)", "[x](vbscript:msgbox)",
    "<a href=javascript:alert(1)>x</a>", "<details open ontoggle=alert(1)>",
    "[x](java&#x09;script:alert(1))", "<<script>script>alert(1)<</script>/script>",
])
def test_attacks_come_out_as_text(attack):
    html = render_markdown(attack)
    assert "<script" not in html and "<img" not in html and "<details" not in html
    assert 'href="javascript' not in html.lower() and 'href="data' not in html.lower()
    assert 'href="vbscript' not in html.lower()
