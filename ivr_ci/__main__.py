import sys

from ivr_ci.cli import main

sys.exit(main())
