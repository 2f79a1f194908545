"""Custom role ids that are unique per stack.

A project custom role's id is unique in the project, and GCP keeps a deleted role's id
reserved for 7 days. A fixed id (``glacierObjectWriter``) would make a second pipeline or
stack in the same project fail to create its role, and destroying one stack would delete the
role the others' bindings use. So every program names its roles after its pipeline and its
stack, computed when the program runs (the stack is known only then): the program text stays
the same for every stack.
"""

from __future__ import annotations

from glacier.plugin import Expr, Helper, ProgramWriter, py_literal

#: GCP role ids: letters, digits, ``_`` and ``.``; 3 to 64 characters.
ROLE_ID_HELPER = Helper(
    "glacier_role_id",
    ("import hashlib", "import re"),
    (
        "def glacier_role_id(base: str, pipeline: str) -> str:",
        '    """`base` + this pipeline and stack: a custom role id no other stack uses."""',
        '    scope = f"{pipeline}_{pulumi.get_stack()}"',
        '    role = base + "_" + re.sub(r"[^A-Za-z0-9_]", "_", scope)',
        "    if len(role) > 64:",
        "        digest = hashlib.sha256(scope.encode()).hexdigest()[:8]",
        '        role = f"{role[:55]}_{digest}"',
        "    return role",
    ),
)


def role_id_expr(base: str, out: ProgramWriter) -> Expr:
    """The program expression of role ``base``'s id for this pipeline and stack."""
    out.add_helper(ROLE_ID_HELPER)
    return Expr(f"glacier_role_id({py_literal(base)}, {py_literal(out.ir.pipeline)})")
