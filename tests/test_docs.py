"""The committed docs/ pages and README table are what `overspec docs` generates."""

from overspec import docs
from overspec.runner import repo_root


def test_committed_docs_are_not_stale():
    stale = docs.stale_files(repo_root())
    assert not stale, f"stale generated files (run `overspec docs`): {[str(p) for p in stale]}"


def test_every_claim_has_a_page_and_checks_are_found_statically():
    root = repo_root()
    pages = docs.render_all(root)
    assert all(any(p.name == f"{cid}.md" for p in pages) for cid in docs.registry())
    refs = docs.find_checks(root)
    assert all(r.claim in docs.registry() for r in refs)
    # every claim's page lists its checks (a claim ID kept in a module constant is resolved too)
    assert {r.claim for r in refs} == set(docs.registry())
