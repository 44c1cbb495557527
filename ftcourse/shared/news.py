"""The BBC News articles: lesson 02 builds a topic-classification dataset from these files.

The folder holds one sub-folder per topic (business, entertainment, politics, sports, tech) and
one NNN.txt file per article: the headline on the first line, a blank line, then the body. The
files are raw on purpose (one is not UTF-8, some are duplicates): preparing them is the lesson.
"""
from pathlib import Path

from .assets import NEWS, require


def news_dir() -> Path:
    """The local folder of the BBC News articles; fails with the fix when it is missing."""
    return require(NEWS)
