"""`python -m tvdbd` is the `tvdbd` command."""

from tvdbd.cli import main

main()
