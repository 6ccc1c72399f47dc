"""What tests share (not test modules; tests/README.md):

- `process`: `run_cli`, the `reviewdesk` command as a real process;
- `window`: the whole window on the simulator (the `sim` and `desk` fixtures, `sign_in`, `queue`,
  `press`, `activate`, `wait_image`, `run_on_loop`) and a decision pane alone (`make_window`);
- `outbox`: decisions, scripted clients and waits of the outbox and delivery tests;
- `odd_server`: a raw loopback HTTP server with canned, odd answers;
- `jumio`: a Jumio client on the simulator and its credentials;
- `bouncer`: a Bouncer key, CardVerify bodies, and what the simulator received;
- `tokens`: a JWT with any payload, written byte for byte;
- `keys`: hypothesis strategies for key text as a person may write it;
- `file_keyring`: a keyring backend in a file, for `reviewdesk` processes under test.
"""
