"""QR codes as SVG (the TOTP set-up page, the verification code printed on every document page)."""

from __future__ import annotations

from base64 import b64encode
from io import BytesIO


def qr_svg(data: str, box_size: int = 8) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=box_size)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def qr_data_uri(data: str) -> str:
    """A PNG data URI for the printed pages: WeasyPrint writes a bitmap several times faster than the
    SVG's many small paths, and at 4 pixels per module it scans well at 15 mm."""
    import qrcode

    image = qrcode.make(data, box_size=4, border=2)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/png;base64," + b64encode(buffer.getvalue()).decode()
