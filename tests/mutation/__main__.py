"""``python -m tests.mutation``: plant the listed model errors one at a time and print the kill rate."""

import sys

from tests.mutation.runner import main

sys.exit(main())
