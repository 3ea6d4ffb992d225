"""The production static files storage: WhiteNoise's compressed, hashed copies, each distinct content compressed once.

WhiteNoise's ``CompressedManifestStaticFilesStorage`` writes ``.gz`` and ``.br`` for both names of every file
(``swagger-ui-bundle.js`` and ``swagger-ui-bundle.37aa30ada62e.js``), which hold the same bytes unless the manifest
rewrote references inside the hashed one. Brotli at its highest quality is most of ``collectstatic``'s time, so
compressing each content once and copying the result to its twins halves it (every install and upgrade runs it).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from whitenoise.storage import CompressedManifestStaticFilesStorage


class DedupCompressedManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    def compress_files(self, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
        first_of: dict[bytes, str] = {}
        twins: dict[str, list[str]] = {}
        for path in sorted(paths):
            digest = hashlib.sha256(Path(self.path(path)).read_bytes()).digest()
            first = first_of.setdefault(digest, path)
            if first != path:
                twins.setdefault(first, []).append(path)
        for name, compressed_name in super().compress_files(first_of.values()):
            yield name, compressed_name
            suffix = compressed_name[len(name) :]
            for twin in twins.get(name, []):
                shutil.copyfile(self.path(compressed_name), self.path(twin + suffix))
                yield twin, twin + suffix
