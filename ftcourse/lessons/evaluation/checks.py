"""Helpers of lesson 04 (evaluation): the exercises' given data, tag tables, and the metric names the
lesson can load offline.

The constants below are what the lesson's locked cells show the student (`given_references`,
`qa_items`, `TASKS`): those cells and the tests import them from here, so a test never reads a
locked cell's variable and recomputes from the same data the student saw. None of them is an answer.

The checks its tests call (`expect_close`, `expect_keys`) are the course's shared ones
(`ftcourse.student.checks`): a failure says what was expected and what was found, and describes an
expected value instead of printing it when that value is the answer.
"""

from ...student.checks import expect_close, expect_keys, is_number  # noqa: F401 - the lesson's tests use them

# The metric modules that `evaluate.load` finds offline in this course (see ftcourse/shared/metrics).
METRIC_NAMES = ("accuracy", "precision", "recall", "f1", "bleu", "sacrebleu", "rouge", "squad", "seqeval")

# Exercise 2: another topic classifier's predictions for 20 articles with imbalanced topics
# (ids index the BBC topic names: business, entertainment, politics, sport, tech).
GIVEN_REFERENCES = (0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3, 2, 2, 2, 4, 4, 1)
GIVEN_PREDICTIONS = (0, 0, 0, 0, 0, 0, 0, 2, 3, 3, 3, 3, 3, 3, 2, 0, 0, 0, 3, 3)

# Exercise 4: four questions with their paragraph, gold answers and a model's predicted answer.
QA_ITEMS = (
    {"id": "amazon", "context": "The Amazon River flows through Peru, Colombia and Brazil before reaching the Atlantic Ocean.",
     "question": "Which ocean does the Amazon flow into?",
     "answers": ["the Atlantic Ocean", "Atlantic Ocean", "Atlantic"], "predicted": "Atlantic Ocean."},
    {"id": "curie", "context": "Marie Curie won the Nobel Prize in Physics in 1903 and the Nobel Prize in Chemistry in 1911.",
     "question": "In which year did Marie Curie win the Nobel Prize in Chemistry?",
     "answers": ["1911"], "predicted": "in 1911"},
    {"id": "wall", "context": "The Great Wall of China is more than 21,000 kilometres long.",
     "question": "How long is the Great Wall of China?",
     "answers": ["more than 21,000 kilometres"], "predicted": "21,000 kilometres"},
    {"id": "everest", "context": "Mount Everest, on the border of Nepal and China, is 8,849 metres high.",
     "question": "Which two countries share Mount Everest?",
     "answers": ["Nepal and China"], "predicted": "Tibet"},
)

# Exercise 5: the tasks to choose a metric for.
TASKS = {
    "tweet_entities": "find people, places and companies in tweets; an entity counts only if its whole span and type are right",
    "reading_comprehension": "copy the answer to a question out of a given paragraph",
    "news_summaries": "write a two-sentence summary of a news article, scored against a reference summary",
    "translation_paper": "translate German to English and report a score that other papers can be compared with",
    "review_sentiment": "classify reviews as positive or negative; the classes are balanced and both errors cost the same",
    "topic_with_rare_classes": "classify articles into 12 topics; the three small topics matter as much as the large ones",
    "disease_screening": "flag patients for a follow-up test; missing a sick patient is far worse than an extra test",
    "night_pager": "page an engineer at night only for real outages; false alarms must be rare",
}


def combined_names(value) -> list:
    """The metric names inside an `evaluate.combine(...)` object, or inside its exported record."""
    names = getattr(value, "evaluation_module_names", None)
    if names is None:
        names = getattr(value, "names", None)  # the record the grader reads from the kernel
    return [str(n) for n in names] if isinstance(names, (list, tuple)) else []


def show_tags(tokens, *columns, names=("gold", "predicted")) -> None:
    """Print tokens with one or more tag columns side by side; rows where the tags differ get a '<'."""
    width = max(len(t) for t in tokens)
    widths = [max([len(n)] + [len(tag) for tag in col]) for n, col in zip(names, columns)]
    print(f"{'token':<{width}}  " + "  ".join(f"{n:<{w}}" for n, w in zip(names, widths)))
    for i, token in enumerate(tokens):
        tags = [col[i] for col in columns]
        mark = "  <" if len(set(tags)) > 1 else ""
        print(f"{token:<{width}}  " + "  ".join(f"{t:<{w}}" for t, w in zip(tags, widths)) + mark)
