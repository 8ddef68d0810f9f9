import numpy as np

from paperwire.lib import keyphrases

ZERO_BUBBLE = (
    "Pipeline parallelism is a key component of large-scale distributed training, yet its "
    "efficiency suffers from pipeline bubbles. We introduce a scheduling strategy that "
    "achieves zero pipeline bubbles, e.g. on 8x7B models. Experiments show up to 23% higher "
    "throughput than 1F1B.")


def test_it_splits_sentences_but_not_at_abbreviations():
    assert keyphrases.sentences(ZERO_BUBBLE) == [
        "Pipeline parallelism is a key component of large-scale distributed training, yet "
        "its efficiency suffers from pipeline bubbles.",
        "We introduce a scheduling strategy that achieves zero pipeline bubbles, e.g. on "
        "8x7B models.",
        "Experiments show up to 23% higher throughput than 1F1B.",
    ]


def test_its_candidates_start_and_end_on_content_words():
    found = keyphrases.candidates(ZERO_BUBBLE)
    assert found[:2] == ["pipeline", "pipeline bubbles"]  # most frequent first
    assert "pipeline parallelism" in found and "large-scale distributed training" in found
    assert "8x7B models" in found  # its case kept
    assert keyphrases.candidates("Faster than 1F1B with LoRA.") == ["faster", "1F1B", "LoRA"]
    assert not any(c.split()[0] in keyphrases.STOPWORDS or c.split()[-1] in
                   keyphrases.STOPWORDS for c in found)
    assert "training yet" not in found  # never across a comma ... nor ending on "yet"
    assert "bubbles we" not in found


def test_it_bounds_what_it_reads():
    text = " ".join(f"word{n}x" for n in range(10_000)) + "\x00$x$"
    assert len(keyphrases.candidates(text)) == keyphrases.MAX_CANDIDATES
    assert "\x00" not in keyphrases.clean(text) and "$" not in keyphrases.clean(text)
    assert len(keyphrases.sentences(". ".join(["A b"] * 100))) == keyphrases.MAX_SENTENCES
    assert len(keyphrases.short("word " * 200)) <= keyphrases.MAX_SUMMARY_CHARS + 2


def test_mmr_picks_relevant_then_diverse():
    document = np.array([1.0, 0.0, 0.0])
    options = np.array([[0.99, 0.14, 0], [0.98, 0.2, 0], [0.7, 0, 0.71]])
    options /= np.linalg.norm(options, axis=1, keepdims=True)
    assert keyphrases.mmr(document, options, 2, diversity=0.0) == [0, 1]
    assert keyphrases.mmr(document, options, 2, diversity=0.7) == [0, 2]
    assert keyphrases.mmr(document, options[:0], 2) == []


def test_it_drops_phrases_inside_earlier_ones():
    assert keyphrases.without_overlaps(
        ["pipeline bubbles", "pipeline", "bubbles", "zero bubbles"]) == [
        "pipeline bubbles", "zero bubbles"]


def test_the_most_central_sentence_is_the_closest():
    document = np.array([0.0, 1.0])
    assert keyphrases.most_central(document, np.array([[1.0, 0.0], [0.6, 0.8]])) == 1
    assert keyphrases.most_central(document, np.empty((0, 2))) == -1
