"""`python -m local.token --iin <IIN> --role citizen [--org <office>] [--name <name>]`: print a development
JWT for the local stack, and nothing else."""

from __future__ import annotations

import argparse

from chalicelib.domain.errors import InvalidValue
from chalicelib.domain.identity import Iin
from local.devkeys import mint, private_key_pem


def development_token(
    iin: str, role: str, org: str | None = None, name: str | None = None, ttl_seconds: int = 3600
) -> str:
    """A JWT the local stack accepts (its development identity provider's key): what the CLI prints."""
    return mint(private_key_pem(), iin=iin, role=role, org=org, name=name, ttl_seconds=ttl_seconds)


def main(argv: list[str] | None = None) -> None:
    """Exit code 2 with the reason for an IIN that is not one (12 ASCII digits, a real birth date, its check digit)."""
    parser = argparse.ArgumentParser(prog="python -m local.token", description=__doc__)
    parser.add_argument("--iin", help="the person's IIN (12 digits, a valid check digit)")
    parser.add_argument("--role", choices=["citizen", "operator", "official", "admin"])
    parser.add_argument("--staff", action="store_true", help="list the seeded staff (operators, officials) and exit")
    parser.add_argument("--org", help="office id (operators and officials), e.g. labour-department:KZ-AKT")
    parser.add_argument("--name", help="the person's name as the IdP gives it")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds the token is valid (default 3600)")
    args = parser.parse_args(argv)
    if args.staff:
        from local.staff import staff_table

        print(staff_table())
        return
    if not args.iin or not args.role:
        parser.error("--iin and --role are required (or --staff to list the seeded staff)")
    try:
        iin = Iin.parse(args.iin).value
    except InvalidValue as exc:  # the API would answer every call with this token 401: say why now
        parser.error(f"--iin {args.iin!r} is not a valid IIN ({exc.code}: {exc.message})")
    print(development_token(iin, args.role, org=args.org, name=args.name, ttl_seconds=args.ttl))


if __name__ == "__main__":
    main()
