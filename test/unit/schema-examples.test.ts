import { describe as group, expect, it } from 'vitest';
import { describe, SETTINGS, settingValue, type SettingKey } from '../../src/cli/schema.js';

group('the value forms a message suggests', () => {
  it('are accepted by the setting that suggests them (--interval 1m, not 2m past its 60 s bound)', () => {
    for (const [key, s] of Object.entries(SETTINGS) as [SettingKey, (typeof SETTINGS)[SettingKey]][]) {
      const m = /duration such as ([^,)]+), ([^)\s]+)\)/.exec(describe(s));
      if (!m) continue;
      for (const example of [m[1]!, m[2]!]) expect(() => settingValue(key, example, `--${key}`), `${key} ${example}`).not.toThrow();
    }
    expect(describe(SETTINGS.interval)).toContain('500ms, 1m');
  });
});
