"""How other apps join the appeal loop without the loop importing them.

A deliberation task whistled to a unit, a dispute recorded from an appeal, a
visit finding reported as one: those apps register here (in their
AppConfig.ready) and the loop calls them back.

* `after_transition(fn)`: `fn(appeal=, action=, target=, actor=, now=)` runs inside
  the transition's transaction, after the event is written, so a linked record
  moves in the same commit or not at all. It must not raise for appeals it
  does not know.
* `page_links(fn)`: `fn(appeal, user) -> [{"key", "label", "text", "url"}]`, panels on the
  appeal page saying what this appeal became or came from.
* `conversions(fn)`: `fn(appeal, user) -> [{"label", "help", "url", "key"}]`, buttons
  on the appeal page that turn it into another app's record.
* `after_submit(fn)`: `fn(appeal=, actor=)` runs inside the submit's transaction,
  after the appeal and its first event are written (e.g. to keep the category
  suggestion made at intake).
"""

AFTER_TRANSITION: list = []
PAGE_LINKS: list = []
CONVERSIONS: list = []
AFTER_SUBMIT: list = []


def _register(registry: list, fn):
    if fn not in registry:
        registry.append(fn)
    return fn


def after_transition(fn):
    return _register(AFTER_TRANSITION, fn)


def page_links(fn):
    return _register(PAGE_LINKS, fn)


def conversions(fn):
    return _register(CONVERSIONS, fn)


def after_submit(fn):
    return _register(AFTER_SUBMIT, fn)


def links_for(appeal, user) -> list[dict]:
    return [link for fn in PAGE_LINKS for link in fn(appeal, user)]


def conversions_for(appeal, user) -> list[dict]:
    return [button for fn in CONVERSIONS for button in fn(appeal, user)]


def transitioned(**kwargs) -> None:
    for fn in AFTER_TRANSITION:
        fn(**kwargs)


def submitted(**kwargs) -> None:
    for fn in AFTER_SUBMIT:
        fn(**kwargs)
