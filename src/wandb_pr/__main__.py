"""``python -m wandb_pr``: the same as the ``wandb-pr`` console script."""

from wandb_pr.cli import main

raise SystemExit(main())
