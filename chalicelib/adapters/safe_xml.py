"""The one lxml parser for XML that comes from outside (a gateway's SOAP answer, a citizen's signed document).

No DTD is loaded, no entity resolved, nothing fetched over the network, no "huge tree" (lxml's own limits on depth
and text size stay on): the XML bombs and external-entity reads (XXE) of OWASP's XML cheat sheet find nothing to
expand or fetch. A caller that must also refuse a document carrying a DTD at all checks `docinfo` after parsing
(adapters/eds.py).
"""

from __future__ import annotations

from lxml import etree


def safe_parser() -> etree.XMLParser:
    """A fresh hardened parser (lxml parsers are not thread-safe: one per parse)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
