"""The Editor's edits of a branched network: connect, disconnect, insert on an edge, the
inspector's inputs, block positions, Tidy layout, and the block commands (residual connection,
Inception block, branch from here, collapse). Each is one undo step: a Rewire (the model's
designer/model/wiring.py works out the Edit, refusing with one sentence what cannot be) or
a SetUis. Mixed into ``Editor`` (editor.py), whose ``_push``, ``message`` and ``select`` it uses."""
from __future__ import annotations

from typing import Optional

from ..model import ConfigError, KINDS, Layer, block_designs, is_chain, is_layer, load_template, shortcut_fix, wiring
from .undo import Rewire, SetUis
from .kinds import new_layer


class GraphEdits:
    def _rewire(self, make, text: str, selected: Optional[list] = None) -> bool:
        """Push the Edit ``make()`` returns as one step, or say in the status bar why not."""
        if not self.enabled:
            self.message.emit("The network cannot be changed right now (training is running).")
            return False
        try:
            new = make()
        except wiring.WiringError as e:
            self.message.emit(str(e))
            return False
        return self._push(Rewire(self.network, new, text, self.select, selected or []))

    def _uid_label(self, uid: int) -> str:
        index = self.network.index_of(uid)
        return f"{self.network[index].type} #{index}"

    # ------------------------------------------------------------------ edges
    def connect_layers(self, src_uid: int, dst_uid: int, slot: int = -1) -> bool:
        """Make ``dst_uid`` read ``src_uid`` (a merge gains an input, at ``slot`` among them, -1
        last; another layer reads it instead of what it read)."""
        at = None if slot < 0 else slot
        dst = self.network.find(dst_uid)
        replaced = [s for s in dst.sources if is_layer(s)] if not KINDS[dst.type].is_merge else []
        done = self._rewire(lambda: wiring.connect(self.network.layers, src_uid, dst_uid, at),
                            f"Connect {self._uid_label(src_uid)} to {self._uid_label(dst_uid)}", [dst_uid])
        if done and replaced:
            # a layer that is not a merge reads one input: say which one it no longer reads, and
            # whether that one now hangs (read by nothing), rather than change it silently
            old = ", ".join(self._uid_label(s.uid) for s in replaced)
            read = {s.uid for layer in self.network.layers for s in layer.sources if is_layer(s)}
            hanging = [s for s in replaced if s.uid not in read]
            text = f"{self._uid_label(dst_uid).capitalize()} now reads {self._uid_label(src_uid)} instead of {old}"
            if hanging:
                text += (f"; {self._uid_label(hanging[0].uid)} is read by nothing now: connect it, "
                         "delete it, or undo")
            self.message.emit(text + ".")
        return done

    def connection_problem(self, src_uid: int, dst_uid: int) -> str:
        """Why connecting ``src_uid`` to ``dst_uid`` would be refused, or "" (the live preview)."""
        try:
            wiring.connect(self.network.layers, src_uid, dst_uid)
        except wiring.WiringError as e:
            return str(e)
        return ""

    def disconnect_edges(self, edges: list) -> bool:
        """Remove the edges ``[(src uid, dst uid)]``, as one step."""
        if not edges:
            return False
        if len(edges) == 1:
            src, dst = edges[0]
            return self._rewire(lambda: wiring.disconnect(self.network.layers, src, dst),
                                f"Disconnect {self._uid_label(src)} from {self._uid_label(dst)}", [dst])
        self.stack.beginMacro(f"Disconnect {len(edges)} edges")
        try:
            done = [self.disconnect_edges([edge]) for edge in edges]
        finally:
            self.stack.endMacro()
        return any(done)

    def set_inputs(self, uid: int, src_uids: list) -> bool:
        """The inspector's inputs list: ``uid`` reads exactly ``src_uids``."""
        return self._rewire(lambda: wiring.set_inputs(self.network.layers, uid, src_uids),
                            f"Set the inputs of {self._uid_label(uid)}", [uid])

    def insert_on_edge(self, src_uid: int, dst_uid: int, type_: str, config: Optional[dict] = None) -> bool:
        """A new layer on the edge from ``src_uid`` to ``dst_uid`` (a drop on an edge)."""
        layer = self._new(type_, config)
        if layer is None:
            return False
        return self._rewire(lambda: wiring.insert_on_edge(self.network.layers, src_uid, dst_uid, [layer]),
                            f"Insert {type_}", [layer.uid])

    def _new(self, type_: str, config: Optional[dict] = None) -> Optional[Layer]:
        try:
            return new_layer(type_, config)
        except (ConfigError, KeyError) as e:
            self.message.emit(f"Cannot add the {type_} layer: {e}.")
            return None

    # ------------------------------------------------------------------ layers in a graph
    def remove_from_graph(self, uids: list, after: Optional[list] = None) -> bool:
        """Delete layers of a branched network: a chain closes up, a merge that read one of them
        turns red and says so (nothing else is rewired)."""
        wanted = set(uids)
        types = [layer.type for layer in self.network.layers if layer.uid in wanted]
        names = ", ".join(types[:3]) + ("…" if len(types) > 3 else "")
        return self._rewire(lambda: wiring.remove(self.network.layers, uids), f"Delete {names}", after)

    def add_with_edges(self, index: int, layers: list, text: str) -> bool:
        """Insert copied layers keeping the edges among them (paste, duplicate) in line at ``index``."""
        return self._rewire(lambda: wiring.add_layers(self.network.layers, index, layers), text,
                            [layer.uid for layer in layers])

    def branch_from(self, uid: int, type_: str, config: Optional[dict] = None) -> bool:
        """A new layer reading ``uid`` beside what already reads it (it hangs, red, until a merge reads it)."""
        layer = self._new(type_, config)
        if layer is None:
            return False
        at = self.network.index_of(uid) + 1
        return self._rewire(lambda: wiring.add_layers(self.network.layers, at, [layer], reads=[uid],
                                                      in_line=False), f"Branch {type_}", [layer.uid])

    def branch_from_selection(self, type_: str, config: Optional[dict] = None) -> bool:
        selected = self.selected_indices()
        if not selected:
            self.message.emit("Select the layer to branch from.")
            return False
        return self.branch_from(self.network[selected[-1]].uid, type_, config)

    # ------------------------------------------------------------------ block commands
    def add_residual(self) -> bool:
        """An add around the selected layers, with a 1×1 convolution (with stride) on the shortcut
        when the path changes the shape."""
        selected = self.selected_indices()
        if not selected:
            self.message.emit("Select the layers to go around with a residual connection.")
            return False
        first, last = self.network[selected[0]], self.network[selected[-1]]
        report = self.network.report()
        srcs = report.layers[selected[0]].sources  # places in the list, as the report gives them
        main = report.layers[selected[-1]].output
        short = report.layers[srcs[0]].output if len(srcs) == 1 else None
        projection = None
        if main is not None and short is not None and main != short:
            fix = shortcut_fix(main, short)
            if fix is None:
                self.message.emit(f"No 1×1 convolution turns {_shape(short)} into {_shape(main)}; "
                                  f"a residual connection cannot go around these layers.")
                return False
            filters, stride = fix
            projection = Layer.make("conv", filters=filters, kernel=1, stride=stride, bias=False)
        add = Layer.make("add")
        return self._rewire(lambda: wiring.residual(self.network.layers, first.uid, last.uid, add, projection),
                            "Add residual connection", [add.uid])

    def insert_inception(self) -> bool:
        """GoogLeNet's inception (3a) block, four branches and a concat, after the selection."""
        block = load_template("inception").layers
        copies = wiring.copies(block, [layer.uid for layer in block[1:]])
        return self.add_with_edges(self.insertion_point(), copies, "Insert Inception block")

    def insert_inverted_residual(self) -> bool:
        """MobileNetV2's inverted residual for the volume after the selection (see block_designs)."""
        return self._insert_block(block_designs.inverted_residual, "Insert inverted-residual block")

    def insert_squeeze_excitation(self) -> bool:
        """A squeeze-and-excitation block for the volume after the selection."""
        return self._insert_block(block_designs.squeeze_excitation, "Insert squeeze-and-excitation block")

    def _insert_block(self, design, text: str) -> bool:
        at = self.insertion_point()
        shape = self.network.report().layers[at - 1].output if at else None
        if shape is None or len(shape) != 3:
            what = "nothing" if not at else "a vector" if shape else "a layer with an error"
            self.message.emit(f"{text[len('Insert '):].capitalize()} goes after a W×H×D volume; "
                              f"the selection gives {what}. Select a conv or pool layer first.")
            return False
        block = design(shape).layers
        copies = wiring.copies(block, [layer.uid for layer in block[1:]])
        return self.add_with_edges(at, copies, text)

    def collapse_selection(self) -> bool:
        """Draw the selected layers as one block (view only: the file keeps every layer)."""
        from .canvas.collapse import group_problem
        indices = self.selected_indices()
        problem = group_problem(indices, self.scene.readers)
        if problem:
            self.message.emit(problem)
            return False
        if not self.scene.is_graph:
            self.message.emit("Collapsing is for branched networks; a chain already reads at a glance.")
            return False
        uids = [self.network[i].uid for i in indices]
        self.scene.collapse(uids)
        self.select([uids[-1]])
        return True

    def expand_selection(self) -> bool:
        uids = [self.network[i].uid for i in self.selected_indices()]
        if not self.scene.expand(uids):
            self.message.emit("Select a collapsed block to expand it.")
            return False
        self.select(uids)
        return True

    def collapse_blocks(self) -> int:
        """Collapse every residual or inception block (from the layer after a block's input to
        its merge, and what follows the merge up to the next fork), e.g. ResNet-18 into 8 blocks."""
        from .canvas.collapse import merge_blocks
        families = [layer.kind.family for layer in self.network.layers]
        groups = merge_blocks(self.scene.sources, self.scene.readers, families)
        for group in groups:
            self.scene.collapse([self.network[i].uid for i in group])
        return len(groups)

    # ------------------------------------------------------------------ positions
    def place(self, uid: int, x: float, y: float) -> bool:
        """Keep a block where the user dragged it (its layer's ``ui``; saved with the file)."""
        layer = self.network.find(uid)
        ui = dict(layer.ui, x=round(x, 1), y=round(y, 1))
        if ui == layer.ui:
            return False
        return self._push(SetUis(self.network, {uid: ui}, f"Move {layer.type}", self.select))

    def tidy(self) -> bool:
        """Forget the dragged positions and the places kept across edits: the layered layout
        places every block afresh."""
        uis = {layer.uid: {k: v for k, v in layer.ui.items() if k not in ("x", "y")}
               for layer in self.network.layers if "x" in layer.ui or "y" in layer.ui}
        if not uis:
            if self.scene.forget_layout():
                return True
            self.message.emit("The layout is already tidy.")
            return False
        done = self._push(SetUis(self.network, uis, "Tidy layout", self.select))
        self.scene.forget_layout()
        return done

    def nudge(self, uid: int, dx: float, dy: float) -> bool:
        block = self.scene.block(uid)
        return self.place(uid, block.pos().x() + dx, max(block.pos().y() + dy, 0.0))

    def is_branched(self) -> bool:
        return not is_chain(self.network.layers)


def _shape(shape) -> str:
    from ..model import format_shape
    return format_shape(shape)
