// A supervisord event listener (supervisord.conf, [eventlistener:stop-on-fatal]). When a program goes FATAL
// (it kept exiting during startup, for example on a bad configuration), supervisord would otherwise keep
// running with half of Klaxon: the container looks alive and pages nobody. This stops supervisord instead,
// so the container exits and its restart policy (and whoever watches restarts) takes over.
//
// The protocol: say READY on stdout, read one header line and its payload on stdin, answer RESULT.
// Plain Node without dependencies, so the image runs it as it is.
/* global process, Buffer */
'use strict';

let buffer = Buffer.alloc(0);
process.stdout.write('READY\n');

process.stdin.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const end = buffer.indexOf('\n');
    if (end < 0) return;
    const header = Object.fromEntries(
      buffer
        .subarray(0, end)
        .toString('utf8')
        .split(' ')
        .map((pair) => pair.split(':')),
    );
    const length = Number(header.len);
    if (buffer.length < end + 1 + length) return;
    const payload = buffer.subarray(end + 1, end + 1 + length).toString('utf8');
    buffer = buffer.subarray(end + 1 + length);
    handle(header.eventname, payload);
    process.stdout.write('RESULT 2\nOKREADY\n');
  }
});

function handle(event, payload) {
  if (event !== 'PROCESS_STATE_FATAL') return;
  const program = /processname:(\S+)/.exec(payload)?.[1] ?? '?';
  process.stderr.write(`stop-on-fatal: ${program} entered FATAL (see its log); stopping supervisord so the container exits\n`);
  // The listener is supervisord's child: SIGTERM stops every program cleanly, then supervisord itself.
  process.kill(process.ppid, 'SIGTERM');
}
