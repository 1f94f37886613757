"""The events of a training run: JSON lines on stdout (--json, what the editor reads), else a progress line on stderr."""
import json
import math
import sys


class Reporter:
    def __init__(self, json_lines, enabled=True):
        self.json = json_lines
        self.enabled = enabled

    def emit(self, event):
        if not self.enabled:
            return
        if self.json:
            # JSON has no Infinity: an unknown ETA is left out, as JSON.stringify writes it (null).
            clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in event.items()}
            sys.stdout.write(json.dumps(clean) + '\n')
            sys.stdout.flush()
            return
        kind = event['event']
        if kind == 'progress':
            terms = '  '.join(f'{k} {v:.4g}' for k, v in event['terms'].items())
            line = f"step {event['step']} epoch {event['epoch']}  loss {event['loss']:.4g}  {terms}  {event['imagesPerSecond']:.0f} img/s"
        elif kind == 'start':
            line = f"training {event['model']} on {event['backend']}: {event['backendReason']}; {event['parameters']:,} parameters, {event['totalSteps']} steps, output in {event['out']}"
        elif kind == 'error':
            line = f"error{' at step ' + str(event['step']) if 'step' in event else ''}: {event['message']}"
        else:
            line = ' '.join(f'{k}={v}' for k, v in event.items())
        sys.stderr.write(line + '\n')
        sys.stderr.flush()
