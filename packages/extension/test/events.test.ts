import { describe, expect, test } from 'vitest';
import { EventLineParser, toTrainEvent, type TrainEvent } from '../src/train/events.js';

function parse(chunks: string[]): { events: TrainEvent[]; text: string[] } {
    const events: TrainEvent[] = [],
        text: string[] = [];
    const parser = new EventLineParser(
        e => events.push(e),
        t => text.push(t),
    );
    chunks.forEach(c => parser.push(c));
    parser.end();
    return { events, text };
}

const progress = { event: 'progress', step: 3, epoch: 0, loss: 1.5, terms: { reconstruction: 1.2, 'kl(z)': 0.3 }, imagesPerSecond: 100, etaSeconds: 9 };

describe('the lines of gm train --json', () => {
    test('events split across chunks anywhere are put back together', () => {
        const line = JSON.stringify(progress) + '\n';
        for (let cut = 1; cut < line.length; cut += 7) {
            const { events, text } = parse([line.slice(0, cut), line.slice(cut)]);
            expect(events).toEqual([progress]);
            expect(text).toEqual([]);
        }
    });

    test('plain text, broken JSON and unknown or malformed events are log text, not events', () => {
        const { events, text } = parse([
            'Loading MNIST…\r\n',
            '{"event": "progress", "step": 1\n', // cut off
            JSON.stringify({ event: 'progress', step: '1', loss: 2, terms: {} }) + '\n', // step is a string
            JSON.stringify({ event: 'launch' }) + '\n',
            '\n',
            JSON.stringify({ event: 'done', step: 4, seconds: 1, reason: 'finished' }),
        ]);
        expect(events).toEqual([{ event: 'done', step: 4, seconds: 1, reason: 'finished' }]);
        expect(text).toEqual([
            'Loading MNIST…',
            '{"event": "progress", "step": 1',
            JSON.stringify({ event: 'progress', step: '1', loss: 2, terms: {} }),
            JSON.stringify({ event: 'launch' }),
        ]);
    });

    test('each kind of event is recognized by its required fields', () => {
        expect(toTrainEvent({ event: 'start', model: 'VAE', file: 'a.gm', backend: 'wasm', backendReason: 'auto', parameters: 5, out: '/o', totalSteps: 10 })).toBeDefined();
        expect(toTrainEvent({ event: 'start', model: 'VAE', backend: 'wasm', out: '/o' })).toBeUndefined();
        expect(toTrainEvent({ event: 'eval', step: 1, nats: 90, bitsPerDim: 0.2, terms: {} })).toBeDefined();
        expect(toTrainEvent({ event: 'sample', step: 1, path: '/a.png', kind: 'samples' })).toBeDefined();
        expect(toTrainEvent({ event: 'sample', step: 1, path: '/a.png', kind: 'video' })).toBeUndefined();
        expect(toTrainEvent({ event: 'checkpoint', step: 1, path: '/c' })).toBeDefined();
        expect(toTrainEvent({ event: 'done', step: 1, seconds: 2, reason: 'crashed' })).toBeUndefined();
        expect(toTrainEvent({ event: 'error', message: 'NaN in kl(z)', term: 'kl(z)' })).toBeDefined();
        expect(toTrainEvent({ event: 'progress', step: 1, loss: 1, terms: { a: 'x' } })).toBeUndefined();
        expect(toTrainEvent(null)).toBeUndefined();
        expect(toTrainEvent([progress])).toBeUndefined();
    });
});
