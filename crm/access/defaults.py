"""The levels each company role has when the company has not changed them.

Every role sees the whole company's records: a salesperson answering the phone must find any
customer. Changing is narrower: salespeople and managers change their team's records (a
salesperson's team is usually just themselves; a manager's is everyone below them), admins and
owners the company's. Converting is a kind of change and follows the same rule. Deleting loses
history, so salespeople do not delete (they mark records lost), managers delete their team's
and admins and owners anyone's, as the role check before this engine already had it.

Records without a salesperson count as everyone's at the own and team levels: they are waiting
for someone to pick them up, and whoever may edit their own may claim one.
"""

from crm.access.vocabulary import Action, Level
from crm.models import Membership

__all__ = ["DEFAULT_LEVELS", "FIXED_ROLES", "default_level"]

Role = Membership.Role

DEFAULT_LEVELS: dict[str, dict[str, str]] = {
    Role.OWNER: {
        Action.VIEW: Level.COMPANY,
        Action.EDIT: Level.COMPANY,
        Action.DELETE: Level.COMPANY,
        Action.CONVERT: Level.COMPANY,
    },
    Role.ADMIN: {
        Action.VIEW: Level.COMPANY,
        Action.EDIT: Level.COMPANY,
        Action.DELETE: Level.COMPANY,
        Action.CONVERT: Level.COMPANY,
    },
    Role.MANAGER: {
        Action.VIEW: Level.COMPANY,
        Action.EDIT: Level.TEAM,
        Action.DELETE: Level.TEAM,
        Action.CONVERT: Level.TEAM,
    },
    Role.SALESPERSON: {
        Action.VIEW: Level.COMPANY,
        Action.EDIT: Level.TEAM,
        Action.DELETE: Level.NONE,
        Action.CONVERT: Level.TEAM,
    },
}

# Roles whose levels the company cannot change: an owner who could lock themselves out of
# their own records would need support to get back in.
FIXED_ROLES = frozenset({Role.OWNER})


def default_level(role: str, action: str) -> str:
    return DEFAULT_LEVELS.get(role, {}).get(action, Level.NONE)
