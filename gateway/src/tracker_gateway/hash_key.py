"""Print an API key in the form to configure without storing the secret: `sha256:<hex>`.

python -m tracker_gateway.hash_key < key.txt   # the hash of an existing key
python -m tracker_gateway.hash_key --new       # a new key: its hash, then the key itself
"""

import argparse
import getpass
import secrets
import sys

from .keys import is_token, key_digest


def hashed(key: str) -> str:
    return f"sha256:{key_digest(key).hex()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tracker_gateway.hash_key",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--new", action="store_true", help="generate a key; print its hash, then the key"
    )
    arguments = parser.parse_args(argv)
    if arguments.new:
        key = secrets.token_urlsafe(32)
    elif sys.stdin.isatty():
        key = getpass.getpass("API key: ").strip()
    else:
        key = sys.stdin.read().strip()
    if not is_token(key):
        print("An API key is a url-safe token: letters, digits, '-' and '_'.", file=sys.stderr)
        return 2
    print(hashed(key))
    if arguments.new:
        print(key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
