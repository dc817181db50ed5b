"""People who sign in: coordinators, collective members, partner users, champions, reporters."""
