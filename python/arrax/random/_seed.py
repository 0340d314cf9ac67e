"""SeedSequence (NumPy's entropy mixing, so seeds mean what they mean in
NumPy), BitGenerator and Philox: arrax's one counter-based stream.

A Philox bit generator is a 64-bit key and a 64-bit counter: a draw of n
elements takes counters [counter, counter + n) and element i reads only the
Philox blocks (key, (counter + i, j)), j = 0, 1, ... (Note [Bit-identical
sampling] in arrax/backend/cuda/device/rng.cuh)."""

import os
import _thread

import numpy as _numpy

_MASK32 = 0xFFFFFFFF
_INIT_A = 0x43B0D7E5
_MULT_A = 0x931E8875
_INIT_B = 0x8B51F9DD
_MULT_B = 0x58F38DED
_MIX_MULT_L = 0xCA01F9DD
_MIX_MULT_R = 0x4973F715
_XSHIFT = 16


def _words(value, what):
    """An int or a sequence of ints -> little-endian 32-bit words."""
    if isinstance(value, _numpy.ndarray) and value.dtype == _numpy.uint32:
        return [int(v) for v in value.ravel()]
    if isinstance(value, (int, _numpy.integer)):
        v = int(value)
        if v < 0:
            raise ValueError(
                f"[random.SeedSequence] expected non-negative integer {what}"
            )
        out = [v & _MASK32]
        v >>= 32
        while v:
            out.append(v & _MASK32)
            v >>= 32
        return out
    if isinstance(value, (float, _numpy.floating)):
        raise TypeError(f"[random.SeedSequence] {what} must be an integer, got a float")
    try:
        items = list(value)
    except TypeError:
        raise TypeError(
            f"[random.SeedSequence] {what} must be an integer or a sequence of integers"
        ) from None
    out = []
    for x in items:
        if not isinstance(x, (int, _numpy.integer)):
            raise TypeError(f"[random.SeedSequence] {what} must hold integers")
        out.extend(_words(x, what))
    return out


def _hashmix(value, hc):
    value ^= hc[0]
    hc[0] = (hc[0] * _MULT_A) & _MASK32
    value = (value * hc[0]) & _MASK32
    return value ^ (value >> _XSHIFT)


def _mix(x, y):
    r = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
    return r ^ (r >> _XSHIFT)


class SeedSequence:
    """NumPy's SeedSequence: the same entropy, spawn_key and pool_size give
    the same generate_state words as numpy.random.SeedSequence."""

    def __init__(
        self, entropy=None, *, spawn_key=(), pool_size=4, n_children_spawned=0
    ):
        if pool_size < 4:
            raise ValueError(
                f"[random.SeedSequence] pool_size must be >= 4, got {pool_size}"
            )
        if entropy is None:
            entropy = int.from_bytes(os.urandom(16), "little")
        self.entropy = entropy
        self.spawn_key = tuple(int(k) for k in spawn_key)
        self.pool_size = int(pool_size)
        self.n_children_spawned = int(n_children_spawned)
        run = _words(entropy, "entropy")
        spawn = _words(list(self.spawn_key), "spawn_key") if self.spawn_key else []
        if spawn and len(run) < self.pool_size:
            run = run + [0] * (self.pool_size - len(run))
        self.pool = self._mix_entropy(run + spawn)

    def _mix_entropy(self, entropy):
        hc = [_INIT_A]
        mixer = [0] * self.pool_size
        for i in range(self.pool_size):
            mixer[i] = _hashmix(entropy[i] if i < len(entropy) else 0, hc)
        for i_src in range(self.pool_size):
            for i_dst in range(self.pool_size):
                if i_src != i_dst:
                    mixer[i_dst] = _mix(mixer[i_dst], _hashmix(mixer[i_src], hc))
        for i_src in range(self.pool_size, len(entropy)):
            for i_dst in range(self.pool_size):
                mixer[i_dst] = _mix(mixer[i_dst], _hashmix(entropy[i_src], hc))
        return mixer

    @property
    def state(self):
        return {
            "entropy": self.entropy,
            "spawn_key": self.spawn_key,
            "pool_size": self.pool_size,
            "n_children_spawned": self.n_children_spawned,
        }

    def generate_state(self, n_words, dtype=_numpy.uint32):
        dt = _numpy.dtype(dtype)
        if dt not in (_numpy.dtype(_numpy.uint32), _numpy.dtype(_numpy.uint64)):
            raise TypeError("[random.SeedSequence] only support uint32 or uint64")
        n32 = n_words * (2 if dt == _numpy.uint64 else 1)
        hc = _INIT_B
        out = _numpy.empty(n32, dtype=_numpy.uint32)
        for i in range(n32):
            v = self.pool[i % self.pool_size] ^ hc
            hc = (hc * _MULT_B) & _MASK32
            v = (v * hc) & _MASK32
            out[i] = v ^ (v >> _XSHIFT)
        return out.view(dt) if dt == _numpy.uint64 else out

    def spawn(self, n_children):
        seqs = [
            SeedSequence(
                self.entropy,
                spawn_key=self.spawn_key + (i,),
                pool_size=self.pool_size,
            )
            for i in range(
                self.n_children_spawned, self.n_children_spawned + n_children
            )
        ]
        self.n_children_spawned += n_children
        return seqs

    def __repr__(self):
        return f"SeedSequence(entropy={self.entropy!r}, spawn_key={self.spawn_key!r})"


class BitGenerator:
    """The base of arrax's bit generators: a Philox4x32-10 key and counter.
    `seed`: None, an int, a sequence of ints or a SeedSequence (NumPy's
    rules)."""

    _name = "Philox"

    def __init__(self, seed=None):
        if isinstance(seed, SeedSequence):
            seq = seed
        elif hasattr(seed, "generate_state") and hasattr(seed, "spawn"):
            seq = seed  # numpy.random.SeedSequence
        else:
            seq = SeedSequence(seed)
        self._seed_seq = seq
        w = seq.generate_state(2, _numpy.uint32)
        self._key = int(w[0]) | (int(w[1]) << 32)
        self._counter = 0
        self.lock = _thread.allocate_lock()

    def __getstate__(self):
        return {"seed_seq": self._seed_seq, "key": self._key, "counter": self._counter}

    def __setstate__(self, state):
        self._seed_seq = state["seed_seq"]
        self._key = state["key"]
        self._counter = state["counter"]
        self.lock = _thread.allocate_lock()

    @property
    def seed_seq(self):
        return self._seed_seq

    def _take(self, n):
        """The first counter of a draw of n elements; advances by n."""
        with self.lock:
            c = self._counter
            if c + n > 0xFFFFFFFFFFFFFFFF:
                raise OverflowError(
                    "[random] the 2**64 counters of this key are used up"
                )
            self._counter = c + n
            return c

    @property
    def state(self):
        return {
            "bit_generator": self._name,
            "state": {"key": self._key, "counter": self._counter},
        }

    @state.setter
    def state(self, value):
        if not isinstance(value, dict) or "state" not in value:
            raise TypeError(
                "[random.BitGenerator] state must be a dict with a 'state' entry"
            )
        if value.get("bit_generator", self._name) != self._name:
            raise ValueError(
                f"[random.BitGenerator] state must be for a {self._name} bit generator"
            )
        s = value["state"]
        self._key = int(s["key"]) & 0xFFFFFFFFFFFFFFFF
        self._counter = int(s["counter"]) & 0xFFFFFFFFFFFFFFFF

    def spawn(self, n_children):
        if not hasattr(self._seed_seq, "spawn"):
            raise TypeError("[random.BitGenerator] the seed sequence cannot spawn")
        return [type(self)(s) for s in self._seed_seq.spawn(n_children)]

    def random_raw(self, size=None, output=True):
        from arrax.random import _generator

        n = 1 if size is None else int(_numpy.prod(size))
        bits = _generator._raw_bits(self, n, "cpu")
        if not output:
            return None
        a = _numpy.asarray(bits)
        return int(a[0]) if size is None else a.reshape(size)

    def __repr__(self):
        return f"{type(self).__name__}(key={self._key:#x}, counter={self._counter})"


class Philox(BitGenerator):
    """arrax's Philox4x32-10 (NumPy's Philox is the 4x64 variant: the streams
    differ). `key` (< 2**64) and `counter` (< 2**64) set the state directly,
    instead of a seed."""

    def __init__(self, seed=None, counter=None, key=None):
        if key is not None and seed is not None:
            raise ValueError("[random.Philox] seed and key cannot both be used")
        super().__init__(seed)
        if key is not None:
            self._key = int(key) & 0xFFFFFFFFFFFFFFFF
        if counter is not None:
            self._counter = int(counter) & 0xFFFFFFFFFFFFFFFF

    def advance(self, delta):
        """Skips `delta` elements' counters."""
        self._counter = (self._counter + int(delta)) & 0xFFFFFFFFFFFFFFFF
        return self

    def jumped(self, jumps=1):
        """A copy whose counter is 2**48 * jumps ahead."""
        c = type(self)(key=self._key, counter=self._counter)
        c._seed_seq = self._seed_seq
        return c.advance((1 << 48) * int(jumps))


# NumPy's other bit generator names: arrax has one stream (Philox4x32-10), so
# these are that stream under NumPy's names (docs/numpy.md: NumPy's PCG64,
# SFC64 and MT19937 sequences are not reproduced).
class PCG64(Philox):
    _name = "PCG64"


class PCG64DXSM(Philox):
    _name = "PCG64DXSM"


class SFC64(Philox):
    _name = "SFC64"


class MT19937(Philox):
    _name = "MT19937"
