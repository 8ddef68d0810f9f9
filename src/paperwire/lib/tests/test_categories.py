from paperwire.lib.categories import has_category_page, split_categories


def test_it_splits_on_commas_and_spaces():
    assert split_categories("cs.LG,cs.AI") == ["cs.LG", "cs.AI"]
    assert split_categories(" cs.CL, cs.LG\tstat.ML ;hep-th ") == [
        "cs.CL", "cs.LG", "stat.ML", "hep-th"]


def test_it_keeps_msc_and_acm_codes():
    assert split_categories("math.AG 14J32, 14E30 68T05 14-XX 14Jxx I.2.7 F.2.2 K.m") == [
        "math.AG", "14J32", "14E30", "68T05", "14-XX", "14Jxx", "I.2.7", "F.2.2", "K.m"]


def test_it_drops_what_is_no_subject_code_and_repeats():
    assert split_categories("cs.LG <b>x</b> cs.LG 1234 a\x00b cs.AI/x") == ["cs.LG"]
    assert split_categories("") == []


def test_only_arxiv_categories_have_a_page():
    assert has_category_page("cs.LG") and has_category_page("cond-mat.stat-mech")
    assert not has_category_page("14J32")
    assert not has_category_page("I.2.7")
    assert not has_category_page("cs.LG,cs.AI")
