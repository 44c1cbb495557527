"""One folder per lesson: what the student's side and the grader share.

`ftcourse/lessons/<slug>/` pairs with the notebook folder `NN_<slug>` (`solutions/` and
`notebooks/`, see `ftcourse.shared.catalogue`). It holds:

- `checks.py`: the helpers that the lesson's test cells call. They recompute what a test expects
  from the course's data and models (never from the student's variables) and say what was expected
  and what was found without giving the answer away. They run in the student's kernel for the
  visible tests and in the grader's trusted process for the whole test. `ANSWER_CONTEXT` (optional)
  names what an answer cell may use when the grader runs it on its own (see
  `ftcourse.instructor.isolated`).
- `quiz.yaml`: the lesson's practice questions (see `ftcourse.quiz.engine`).

Nothing here is an answer key: reference variants, mutants and rubrics live beside the source
notebook in `solutions/NN_<slug>/instructor/`, which is neither released nor installed.
"""
