"""``python -m wandb_pr``: the same as the ``wandb-pr`` console script."""

from wandb_pr.entry.cli import main

raise SystemExit(main())
