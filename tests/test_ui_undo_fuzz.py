"""Undo that cannot drift: a hypothesis state machine drives the window's editor on a real
(offscreen) window with random edits — insert any kind anywhere, delete, move, valid and invalid
settings, rename, copy / cut / paste, duplicate, undo, redo — and checks after every step that

* only one-sentence user errors are ever raised (anything else fails the test);
* the canvas holds one block per layer, in the network's order, and one edge per connection;
* the document is exactly what it was at that point of the undo history (JSON and layer
  identities), so undoing everything gives the starting JSON and redoing everything the end.

CI runs a small, fixed (derandomized) set of examples; ``NN_DESIGNER_SOAK=1`` runs a long random
soak (``NN_DESIGNER_SOAK=5000`` sets the number of examples)."""
from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from PySide6.QtGui import QGuiApplication

from designer.errors import UserError
from designer.model import KINDS, TEMPLATES, to_json
from designer.model.graph import sources
from designer.ui.canvas.block import BlockItem
from ui_support import dialog_log, window  # noqa: F401

SOAK = os.environ.get("NN_DESIGNER_SOAK", "")
SETTINGS = settings(
    max_examples=(int(SOAK) if SOAK.isdigit() and int(SOAK) > 1 else 2000) if SOAK else 25,
    stateful_step_count=80 if SOAK else 30,
    deadline=None, derandomize=not SOAK, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

TYPES = sorted(KINDS)
junk = st.one_of(st.none(), st.text(max_size=3), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
                 st.lists(st.integers(-1, 3), max_size=3))


def values_for(key) -> st.SearchStrategy:
    """Valid values of a key and impossible ones (out of range, of the wrong type, ``None``)."""
    if key.value_type == "int":
        good = st.integers(max(int(key.lo), 1) if key.lo >= 1 else int(key.lo), 40)
        return st.one_of(good, st.integers(-3, 0), st.just(int(key.hi) + 1), junk)
    if key.value_type == "float":
        return st.one_of(st.floats(float(key.lo), min(float(key.hi), 4.0)), st.floats(-2, 3), junk)
    if key.value_type == "bool":
        return st.one_of(st.booleans(), st.integers(0, 1), junk)
    if key.value_type == "choice":
        return st.one_of(st.sampled_from(key.choices + ("bogus",)), junk)
    pair = st.integers(-1, 7)
    return st.one_of(pair, st.lists(pair, min_size=0, max_size=3), st.just("same"), junk)


def settings_for(type_: str) -> st.SearchStrategy:
    keys = KINDS[type_].keys
    if not keys:
        return st.just({})
    return st.just({}) | st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique_by=lambda k: k.name).flatmap(
            lambda chosen: st.fixed_dictionaries({k.name: values_for(k) for k in chosen}))


def one_sentence(error: UserError) -> None:
    text = str(error)
    assert text.strip() and "\n" not in text and "Traceback" not in text and len(text) < 400, repr(text)


@pytest.mark.slow
def test_random_edits_undo_and_redo_exactly(window, qtbot):
    editor, stack, network, scene = window.editor, window.undo_stack, window.network, window.scene

    def state() -> tuple:
        return json.dumps(to_json(network), sort_keys=True), tuple(layer.uid for layer in network.layers)

    class Edits(RuleBasedStateMachine):
        @initialize(start=st.sampled_from(["blank", *TEMPLATES]))
        def open(self, start):
            assert window.files.new_blank() if start == "blank" else window.files.new_from_template(start)
            assert stack.count() == 0
            QGuiApplication.clipboard().clear()   # an example must not paste what another one copied
            self.history = [state()]       # history[i]: the document when the stack's index is i

        # -------------------------------------------------------------- edits
        def edit(self, action, *args) -> None:
            """Do an edit as the user would; a refusal is one sentence and changes nothing."""
            before, index = state(), stack.index()
            try:
                action(*args)
            except UserError as e:
                one_sentence(e)
            if stack.index() == index + 1 and stack.count() == index + 1:
                self.history[index + 1:] = [state()]
            else:
                assert (stack.index(), stack.count()) == (index, len(self.history) - 1)
                assert state() == before, "the document changed without an undo step"

        # Layers are drawn by index, never by uid: uids differ from one run of an example to
        # the next (a global counter), and hypothesis replays examples while it shrinks them.
        def uid(self, data):
            return network[data.draw(st.integers(0, len(network) - 1))].uid

        def select_some(self, data) -> None:
            n = len(network)
            indices = data.draw(st.lists(st.integers(0, n - 1), unique=True)) if n else []
            editor.select([network[i].uid for i in indices])

        @rule(type_=st.sampled_from(TYPES), where=st.integers(0, 60))
        def insert(self, type_, where):
            self.edit(editor.insert_kind, where % (len(network) + 1), type_)

        @rule(data=st.data(), type_=st.sampled_from(TYPES))
        def insert_with_settings(self, data, type_):
            config = data.draw(settings_for(type_))
            self.edit(editor.insert_kind, data.draw(st.integers(0, len(network))), type_, config)

        @rule(data=st.data())
        def delete(self, data):
            self.select_some(data)
            self.edit(editor.delete_selection)

        @rule(data=st.data())
        def move(self, data):
            if len(network):
                self.edit(editor.move, self.uid(data), data.draw(st.integers(0, len(network))))

        @rule(data=st.data(), delta=st.sampled_from([-1, 1]))
        def move_by_one(self, data, delta):
            if len(network):
                editor.select([self.uid(data)])
                self.edit(editor.move_selection_by, delta)

        @rule(data=st.data())
        def set_settings(self, data):
            if len(network):
                uid = self.uid(data)
                values = data.draw(settings_for(network[network.index_of(uid)].type))
                self.edit(editor.set_keys, uid, values)

        @rule(data=st.data(), name=st.one_of(st.none(), st.text(max_size=12)))
        def rename(self, data, name):
            if len(network):
                self.edit(editor.rename, self.uid(data), name)

        @rule(data=st.data())
        def copy_and_paste(self, data):
            self.select_some(data)
            self.edit(editor.copy)
            self.select_some(data)
            self.edit(editor.paste)

        @rule(data=st.data())
        def cut(self, data):
            self.select_some(data)
            self.edit(editor.cut)

        @rule(data=st.data())
        def duplicate(self, data):
            self.select_some(data)
            self.edit(editor.duplicate)

        @rule()
        def undo(self):
            if stack.canUndo():
                stack.undo()
                assert state() == self.history[stack.index()]

        @rule()
        def redo(self):
            if stack.canRedo():
                stack.redo()
                assert state() == self.history[stack.index()]

        # -------------------------------------------------------------- checks
        @invariant()
        def one_block_per_layer_in_order(self):
            uids = [layer.uid for layer in network.layers]
            assert scene.order == uids and sorted(scene.blocks) == sorted(uids)
            assert sum(isinstance(item, BlockItem) for item in scene.items()) == len(uids)
            layers = network.layers                  # one edge per connection the model sees
            wanted = {(layers[s].uid, layers[i].uid) for i, srcs in enumerate(sources(layers)) for s in srcs}
            assert set(scene.edges) == wanted

        def teardown(self):
            if not hasattr(self, "history"):
                return
            while stack.canUndo():
                stack.undo()
            assert state() == self.history[0]          # the starting document, exactly
            while stack.canRedo():
                stack.redo()
            assert state() == self.history[-1]         # and the end again

    run_state_machine_as_test(Edits, settings=SETTINGS)
