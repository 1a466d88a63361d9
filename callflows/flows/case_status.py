"""The case-status sentence after a custody answer, when the disclosure policy allows it.

The look-up puts the disclosed case status in the context; one sentence per status,
each a whole sentence in the catalogue. Without one the call goes straight on.
"""

from callflows.tree import Action, Say

CASE_STATUSES = ("in_proceedings", "ordered_removed", "appeal_pending", "removed", "relief_granted")

NODES = [
    Action(
        "custody.case_status",
        effect="custody.case_status",
        outcomes={"none": "custody.next", **{code: f"custody.case_status.{code}" for code in CASE_STATUSES}},
    ),
    *(
        Say(f"custody.case_status.{code}", prompts=(f"custody.case_status.{code}",), goto="custody.next")
        for code in CASE_STATUSES
    ),
]
