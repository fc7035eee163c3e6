"""The order in which a Java ``java.util.HashMap<String, ...>`` made with ``new HashMap()``
gives back the distinct keys put in it one after the other, as Java 8 and every release
since lay it out: a key's ``String.hashCode`` spread (``h ^ (h >>> 16)``), the table's
buckets in index order (``hash & (capacity - 1)``), 16 buckets to start with, doubled when
the keys number more than three quarters of them, and each bucket's keys in the order of
its linked nodes. A bucket that reaches nine keys doubles the table while it has fewer than
64 buckets, and becomes a red-black tree from then on; a tree's nodes are linked with its
root first and each later key just after the node it was put under, and a tree that a
doubling leaves with six keys or fewer becomes a list again (``HashMap.TreeNode``).

The OpenX JSON SerDe keeps a JSON object's members in such a map (``JSONObject``), and
writes them in this order when it writes the object as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

_FIRST_CAPACITY = 16
#: A bucket of this many keys is made a tree (``TREEIFY_THRESHOLD`` + 1: the check runs
#: as the ninth key is linked).
_TREE_FROM = 9
#: A table this small doubles instead of making a tree (``MIN_TREEIFY_CAPACITY``).
_TREES_FROM_CAPACITY = 64
#: A tree split to this many keys or fewer becomes a list (``UNTREEIFY_THRESHOLD``).
_LIST_UP_TO = 6


def string_hash(text: str) -> int:
    """``String.hashCode`` of ``text`` as an unsigned 32-bit number: over its UTF-16 code
    units, ``s[0]*31^(n-1) + ... + s[n-1]``."""
    units = text.encode("utf-16-le", "surrogatepass")
    value = 0
    for at in range(0, len(units), 2):
        value = (value * 31 + units[at] + (units[at + 1] << 8)) & 0xFFFFFFFF
    return value


def _spread(text: str) -> int:
    """The hash a HashMap files ``text`` by, as a signed 32-bit int (trees compare it so)."""
    value = string_hash(text)
    value ^= value >> 16
    return value - (1 << 32) if value & 0x80000000 else value


def _units(text: str) -> bytes:
    """``text`` as big-endian UTF-16: its bytes sort as Java's ``String.compareTo`` does."""
    return text.encode("utf-16-be", "surrogatepass")


@dataclass(eq=False)
class _Node:
    key: str
    hash: int
    next: _Node | None = None
    # A tree node's links (unused in a list bucket).
    prev: _Node | None = None
    parent: _Node | None = None
    left: _Node | None = None
    right: _Node | None = None
    red: bool = False
    tree: bool = False
    units: bytes = field(default=b"", repr=False)


def hash_order(keys: Iterable[str]) -> list[str]:
    """The distinct ``keys``, put into a new ``HashMap`` in turn, as it iterates them."""
    table = _Table()
    seen: set[str] = set()
    for key in keys:
        if key not in seen:  # a key put again keeps its place
            seen.add(key)
            table.put(key)
    return [node.key for bucket in table.buckets for node in _chain(bucket)]


def _chain(node: _Node | None) -> Iterable[_Node]:
    while node is not None:
        yield node
        node = node.next


class _Table:
    def __init__(self) -> None:
        self.buckets: list[_Node | None] = [None] * _FIRST_CAPACITY
        self.size = 0

    def put(self, key: str) -> None:
        node = _Node(key, _spread(key), units=_units(key))
        index = node.hash & (len(self.buckets) - 1)
        first = self.buckets[index]
        if first is None:
            self.buckets[index] = node
        elif first.tree:
            self._put_in_tree(index, node)
        else:
            last = first
            count = 2
            while last.next is not None:
                last = last.next
                count += 1
            last.next = node
            if count >= _TREE_FROM:
                if len(self.buckets) < _TREES_FROM_CAPACITY:
                    self._double()
                else:
                    self._make_tree(index)
        self.size += 1
        if self.size > len(self.buckets) * 3 // 4:
            self._double()

    def _double(self) -> None:
        old = self.buckets
        self.buckets = [None] * (len(old) * 2)
        for index, first in enumerate(old):
            if first is None:
                continue
            tree = first.tree
            low = [n for n in _chain(first) if not n.hash & len(old)]
            high = [n for n in _chain(first) if n.hash & len(old)]
            for at, nodes, other in ((index, low, high), (index + len(old), high, low)):
                if not nodes:
                    continue
                # Each part keeps its keys' order; a tree that keeps all its keys keeps
                # its shape, a part of one is a list or a new tree (``split``).
                self.buckets[at] = _linked(nodes, tree=tree and len(nodes) > _LIST_UP_TO)
                if tree and other and len(nodes) > _LIST_UP_TO:
                    self._make_tree(at)

    def _make_tree(self, index: int) -> None:
        first = self.buckets[index]
        assert first is not None
        nodes = list(_chain(first))
        _linked(nodes, tree=True)
        root: _Node | None = None
        for node in nodes:
            node.left = node.right = None
            if root is None:
                node.parent, node.red = None, False
                root = node
                continue
            parent = root
            while True:
                child = parent.left if _before(node, parent) else parent.right
                if child is None:
                    break
                parent = child
            node.parent = parent
            if _before(node, parent):
                parent.left = node
            else:
                parent.right = node
            root = _balance(root, node)
        assert root is not None
        self._root_first(index, root)

    def _put_in_tree(self, index: int, node: _Node) -> None:
        first = self.buckets[index]
        assert first is not None
        root = first
        while root.parent is not None:
            root = root.parent
        parent = root
        while True:
            child = parent.left if _before(node, parent) else parent.right
            if child is None:
                break
            parent = child
        node.tree = True
        if _before(node, parent):
            parent.left = node
        else:
            parent.right = node
        # Linked just after the node it was put under.
        node.next = parent.next
        parent.next = node
        node.parent = node.prev = parent
        if node.next is not None:
            node.next.prev = node
        self._root_first(index, _balance(root, node))

    def _root_first(self, index: int, root: _Node) -> None:
        """Links a tree's ``root`` first in its bucket (``moveRootToFront``)."""
        first = self.buckets[index]
        if root is first:
            return
        self.buckets[index] = root
        before, after = root.prev, root.next
        if after is not None:
            after.prev = before
        if before is not None:
            before.next = after
        if first is not None:
            first.prev = root
        root.next = first
        root.prev = None


def _linked(nodes: list[_Node], *, tree: bool) -> _Node:
    """``nodes`` linked in their order as one bucket (a tree's, or a list's), its first."""
    for at, node in enumerate(nodes):
        node.tree = tree
        node.next = nodes[at + 1] if at + 1 < len(nodes) else None
        node.prev = nodes[at - 1] if at and tree else None
    return nodes[0]


def _before(node: _Node, other: _Node) -> bool:
    """Whether a tree files ``node`` to the left of ``other``: by hash (signed), then by
    ``String.compareTo`` (the keys are distinct)."""
    if node.hash != other.hash:
        return node.hash < other.hash
    return node.units < other.units


def _rotate_left(root: _Node, node: _Node) -> _Node:
    right = node.right
    if right is None:
        return root
    node.right = right.left
    if right.left is not None:
        right.left.parent = node
    right.parent = node.parent
    if node.parent is None:
        root = right
        right.red = False
    elif node.parent.left is node:
        node.parent.left = right
    else:
        node.parent.right = right
    right.left = node
    node.parent = right
    return root


def _rotate_right(root: _Node, node: _Node) -> _Node:
    left = node.left
    if left is None:
        return root
    node.left = left.right
    if left.right is not None:
        left.right.parent = node
    left.parent = node.parent
    if node.parent is None:
        root = left
        left.red = False
    elif node.parent.right is node:
        node.parent.right = left
    else:
        node.parent.left = left
    left.right = node
    node.parent = left
    return root


def _balance(root: _Node, node: _Node) -> _Node:
    """The tree's root after ``node`` was put in and the tree recoloured and rotated as
    ``HashMap.TreeNode.balanceInsertion`` does (CLR's red-black insertion)."""
    node.red = True
    while True:
        parent = node.parent
        if parent is None:
            node.red = False
            return node
        grand = parent.parent
        if not parent.red or grand is None:
            return root
        on_left = parent is grand.left
        uncle = grand.right if on_left else grand.left
        if uncle is not None and uncle.red:
            uncle.red = parent.red = False
            grand.red = True
            node = grand
            continue
        inner = parent.right if on_left else parent.left
        if node is inner:
            node = parent
            root = (_rotate_left if on_left else _rotate_right)(root, node)
            parent = node.parent
            grand = None if parent is None else parent.parent
        if parent is not None:
            parent.red = False
            if grand is not None:
                grand.red = True
                root = (_rotate_right if on_left else _rotate_left)(root, grand)
