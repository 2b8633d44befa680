import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, type ProfileConfig } from '../../config/index.ts';
import { parseProfiles, profileFormModel, ProfileError, resolveProfile, slugify } from './profiles.ts';
import { kubeSettingsFromConfig } from './settings.ts';

const profile = (p: Partial<ProfileConfig> & { display_name: string }): ProfileConfig => ({
  description: '',
  slug: null,
  default: false,
  kubespawner_override: {},
  profile_options: {},
  ...p,
});

function settingsWith(profileList: ProfileConfig[]) {
  const { config } = loadConfig({ data: { singleuser: { memory: { guarantee: '1G' }, nodeSelector: { pool: 'users' }, extraEnv: { A: '1' } } } });
  return { base: kubeSettingsFromConfig(config).base, profiles: parseProfiles(profileList) };
}

const LIST = [
  profile({ display_name: 'Small' }),
  profile({
    display_name: 'Big Memory',
    default: true,
    kubespawner_override: { mem_limit: '8G', cpu_limit: 4, environment: { B: '2' }, node_selector: { size: 'big' }, image: 'big:1' },
  }),
  profile({
    display_name: 'Choose an image',
    slug: 'images',
    profile_options: {
      image: {
        display_name: 'Image',
        choices: {
          py: { display_name: 'Python', kubespawner_override: { image: 'py:3' } },
          r: { display_name: 'R', default: true, kubespawner_override: { image: 'r:4' } },
        },
        unlisted_choice: { enabled: true, display_name: 'Other image', validation_regex: '^[a-z]+:[0-9]+$', kubespawner_override: { image: '{value}' } },
      },
    },
  }),
];

describe('profiles', () => {
  it('slugs follow KubeSpawner (python-slugify)', () => {
    assert.equal(slugify('Datascience GPU (8 GB)'), 'datascience-gpu-8-gb');
    assert.equal(slugify('Élève'), 'eleve');
  });

  it('no profiles: the base settings', () => {
    const { base, profiles } = settingsWith([]);
    assert.equal(resolveProfile(base, profiles, { profile: 'anything' }).settings, base);
  });

  it('the default profile applies when none is chosen; maps merge, scalars replace, the base is untouched', () => {
    const { base, profiles } = settingsWith(LIST);
    const r = resolveProfile(base, profiles, {});
    assert.equal(r.slug, 'big-memory');
    assert.equal(r.settings.image, 'big:1');
    assert.equal(r.settings.resources.memLimit, '8G');
    assert.equal(r.settings.resources.memGuarantee, '1G');
    assert.equal(r.settings.resources.cpuLimit, 4);
    assert.deepEqual(r.settings.environment, { A: '1', B: '2' });
    assert.deepEqual(r.settings.nodeSelector, { pool: 'users', size: 'big' });
    assert.deepEqual(base.nodeSelector, { pool: 'users' });
    assert.equal(base.resources.memLimit, null);
  });

  it('a chosen profile and option choice; unlisted choices are validated and substituted', () => {
    const { base, profiles } = settingsWith(LIST);
    assert.equal(resolveProfile(base, profiles, { profile: 'small' }).settings.image, base.image);
    assert.equal(resolveProfile(base, profiles, { profile: 'images' }).settings.image, 'r:4');
    assert.equal(resolveProfile(base, profiles, { profile: 'images', image: 'py' }).settings.image, 'py:3');
    assert.equal(resolveProfile(base, profiles, { profile: 'images', 'image--unlisted-choice': 'julia:1' }).settings.image, 'julia:1');
    assert.throws(() => resolveProfile(base, profiles, { profile: 'images', 'image--unlisted-choice': 'evil; rm' }), { code: 'UNKNOWN_PROFILE_CHOICE' });
    assert.throws(() => resolveProfile(base, profiles, { profile: 'images', image: 'fortran' }), /Unknown choice "fortran" for Image/);
  });

  it('an unknown profile is a clear error naming the choices', () => {
    const { base, profiles } = settingsWith(LIST);
    assert.throws(
      () => resolveProfile(base, profiles, { profile: 'huge' }),
      (e: unknown) => e instanceof ProfileError && e.code === 'UNKNOWN_PROFILE' && /"huge".*"small", "big-memory", "images"/.test(e.message),
    );
  });

  it('bad overrides fail when the spawner is built, naming the key', () => {
    assert.throws(() => parseProfiles([profile({ display_name: 'x', kubespawner_override: { cpu_limitt: 2 } })]), /profileList\[0\]\.kubespawner_override\.cpu_limitt: not a setting/);
    assert.throws(() => parseProfiles([profile({ display_name: 'x', kubespawner_override: { mem_limit: 'lots' } })]), /mem_limit: expected a size/);
    assert.throws(() => parseProfiles([profile({ display_name: 'A b' }), profile({ display_name: 'a-B' })]), /slug "a-b" is already used by profile 0/);
  });

  it('profileFormModel: what the spawn page renders, preselections included', () => {
    const model = profileFormModel({ singleuser: { profileList: LIST } });
    assert.deepEqual(model.profiles.map((p) => [p.slug, p.selected]), [['small', false], ['big-memory', true], ['images', false]]);
    const opt = model.profiles[2].options[0];
    assert.equal(opt.name, 'image');
    assert.deepEqual(opt.choices, [{ key: 'py', displayName: 'Python', selected: false }, { key: 'r', displayName: 'R', selected: true }]);
    assert.deepEqual(opt.unlisted, { displayName: 'Other image', validationRegex: '^[a-z]+:[0-9]+$' });
    assert.deepEqual(profileFormModel({ singleuser: { profileList: [] } }), { profiles: [] });
  });
});
