"""`python -m local.token --iin <IIN> --role citizen [--org <office>] [--name <name>]`: print a development
JWT for the local stack, and nothing else."""

from __future__ import annotations

import argparse

from local.devkeys import mint, private_key_pem


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.token", description=__doc__)
    parser.add_argument("--iin", required=True)
    parser.add_argument("--role", required=True, choices=["citizen", "operator", "official", "admin"])
    parser.add_argument("--org", help="office id (operators and officials), e.g. labour-department:KZ-AKT")
    parser.add_argument("--name", help="the person's name as the IdP gives it")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds the token is valid (default 3600)")
    args = parser.parse_args(argv)
    print(mint(private_key_pem(), iin=args.iin, role=args.role, org=args.org, name=args.name, ttl_seconds=args.ttl))


if __name__ == "__main__":
    main()
