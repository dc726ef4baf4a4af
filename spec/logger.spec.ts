import { expect } from 'chai';
import { consoleLogger, setLogger, type Logger } from '../lib';

// ---- fixtures ---------------------------------------------------------------------------------

const silent: Logger = { error() {}, warn() {}, info() {} };

// ---- specs ------------------------------------------------------------------------------------

describe('setLogger()', () => {
  it('replaces the logger and returns the previous one, so it can be put back', () => {
    const original = setLogger(silent);
    try {
      expect(setLogger(original)).to.equal(silent);
    } finally {
      setLogger(original);
    }
  });

  it('starts out with the console logger', () => {
    const original = setLogger(silent);
    setLogger(original);
    expect(original).to.equal(consoleLogger);
  });
});
