"""Provider logos: verify an upload with Pillow and make the renditions the format uses."""

from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000
MIN_SIDE = 50
ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
RENDITIONS = (50, 400)


def verify_logo(upload) -> Image.Image:
    """The uploaded image, fully decoded, or a ValidationError saying why not."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    data = upload.read()
    try:
        with Image.open(BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise ValidationError(f"{probe.format} images are not accepted (JPEG, PNG, GIF or WebP).")
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ValidationError(f"The image is {width} x {height} pixels, more than {MAX_PIXELS:,} pixels.")
            probe.verify()
        image = Image.open(BytesIO(data))
        image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise ValidationError("The image expands to too many pixels (a decompression bomb?).") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError("This file is not an image Pillow can read.") from exc
    if min(image.size) < MIN_SIDE:
        raise ValidationError(f"The image is {image.size[0]} x {image.size[1]}; logos need at least {MIN_SIDE} x {MIN_SIDE}.")
    return image


def save_renditions(image: Image.Image, *, domain: str) -> list[dict]:
    """Square renditions (50x50, 400x400) under MEDIA_ROOT/organizations/, as ``images``."""
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB",):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = []
    for side in RENDITIONS:
        rendition = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
        buffer = BytesIO()
        rendition.save(buffer, "JPEG", quality=88, optimize=True)
        name = f"organizations/{domain}-{side}x{side}.jpg"
        if default_storage.exists(name):
            default_storage.delete(name)
        saved = default_storage.save(name, ContentFile(buffer.getvalue()))
        out.append({"url": default_storage.url(saved), "width": side, "height": side})
    return out
