"""Remove metadata (EXIF, GPS, XMP, comments) from image evidence before it is encrypted.

A photo's EXIF can carry the reporter's phone model, the time to the second and the
GPS position of his home: DESIGN.md, "Anonymity rules".
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow logs each EXIF tag it parses, value included (GPS position, camera, description),
# at DEBUG: keep that out of every log even when an operator turns on debug logging.
logging.getLogger("PIL").setLevel(logging.INFO)

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


class ImageRejected(ValueError):
    """The file claims to be an image but cannot be used as one."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # "broken", "too_large" or "unsupported"
        self.reason = reason


def strip_metadata(stream: IO[bytes], max_pixels: int) -> tuple[IO[bytes], str]:
    """Re-encode the image without any metadata. Returns the clean stream and its MIME type."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(stream)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            # A header declaring more pixels than Pillow's own limit (a decompression
            # bomb): refused before a single pixel is decoded, as too large.
            raise ImageRejected("too_large") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ImageRejected("broken") from None
        try:
            # Phones write a photo with a second, smaller picture as MPO: a JPEG whose
            # first picture is the photo, stored as such.
            image_format = "JPEG" if image.format == "MPO" else image.format
            if image_format not in IMAGE_FORMATS:
                raise ImageRejected("unsupported")
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
            # An animated GIF keeps every frame, so each frame is decoded: the limit
            # counts them all (a few small frames pass, thousands of large ones do not).
            decoded = frames if image_format == "GIF" else 1
            if width * height * decoded > max_pixels:
                raise ImageRejected("too_large")
            if image_format == "GIF" and frames > 1:
                clean: Image.Image = image
            else:
                # Apply the EXIF orientation first, so the photo still stands upright
                # once the EXIF that said how to turn it is gone.
                clean = ImageOps.exif_transpose(image) or image
                clean.load()
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected("too_large") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ImageRejected("broken") from None
    clean.info.clear()
    out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    options: dict[str, object] = {"exif": b""}
    if image_format == "JPEG":
        if clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
        options.update(quality=90, optimize=True)
    elif image_format == "GIF":
        options = {"save_all": frames > 1}
    clean.save(out, format=image_format, **options)
    out.seek(0)
    return out, IMAGE_FORMATS[image_format]
