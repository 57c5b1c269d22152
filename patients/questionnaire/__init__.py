"""The questionnaire engine: definitions read from data files (`definitions`, `parsing`) and the
rules applied to answers (`evaluation`). Pure Python, no ORM.

The public names are re-exported here, so callers import from `patients.questionnaire`.
"""

from .definitions import (
    DEFINITIONS_DIR,
    ITEM_TYPES,
    Advice,
    Band,
    Choice,
    Condition,
    Definition,
    DefinitionError,
    FlagRule,
    Item,
    ScoreRule,
    Section,
    UnknownQuestionnaire,
    is_blank,
)
from .evaluation import check_item, raised_flags, readable_answers, required_message, validate, visible
from .parsing import (
    SCORE_METHODS,
    all_definitions,
    definition_from_dict,
    get_definition,
    latest_definitions,
)

__all__ = [
    "DEFINITIONS_DIR",
    "ITEM_TYPES",
    "SCORE_METHODS",
    "Advice",
    "Band",
    "Choice",
    "Condition",
    "Definition",
    "DefinitionError",
    "FlagRule",
    "Item",
    "ScoreRule",
    "Section",
    "UnknownQuestionnaire",
    "all_definitions",
    "check_item",
    "definition_from_dict",
    "get_definition",
    "is_blank",
    "latest_definitions",
    "raised_flags",
    "readable_answers",
    "required_message",
    "validate",
    "visible",
]
