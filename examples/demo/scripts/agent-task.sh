#!/bin/sh
# What an agent might do inside its environment: change its own copy of the code.
set -eu
echo "agent ${CILO_ENV:-unknown} was here" >> web/about.html
