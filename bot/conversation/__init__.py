"""What spans every domain in a conversation: routing free text, status and help, the overview."""
