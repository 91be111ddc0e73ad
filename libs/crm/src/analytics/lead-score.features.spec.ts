import { featureNames, featureValues, type FeatureRow, topSources, TOP_SOURCES } from './lead-score.features';

const row = (over: Partial<FeatureRow>): FeatureRow => ({
  id: 'x',
  status: 'converted',
  source: null,
  email_kind: 'none',
  has_phone: false,
  has_company: false,
  hours_to_contact: null,
  changes: 0,
  qualified: false,
  ...over,
});

describe('lead score features', () => {
  it('keeps the most frequent sources, ties by name, at most TOP_SOURCES', () => {
    const rows = ['b', 'a', 'b', 'c', 'a', ...Array.from({ length: 20 }, (_, i) => `s${i}`)].map((source) =>
      row({ source }),
    );
    const top = topSources(rows);
    expect(top.slice(0, 2)).toEqual(['a', 'b']);
    expect(top).toHaveLength(TOP_SOURCES);
  });

  it('names one value per feature, in column order', () => {
    expect(featureValues(row({}), ['web', 'ads'])).toHaveLength(featureNames(['web', 'ads']).length);
  });

  it('one-hot encodes a top source, and any other source as source:other', () => {
    const names = featureNames(['web']);
    const web = featureValues(row({ source: 'web' }), ['web']);
    const fair = featureValues(row({ source: 'fair' }), ['web']);
    expect([web[names.indexOf('source:web')], web[names.indexOf('source:other')]]).toEqual([1, 0]);
    expect([fair[names.indexOf('source:web')], fair[names.indexOf('source:other')]]).toEqual([0, 1]);
  });

  it('marks a lead never contacted and takes log(1 + hours) of a first contact', () => {
    const names = featureNames([]);
    const never = featureValues(row({}), []);
    const after = featureValues(row({ hours_to_contact: '23' }), []);
    expect([never[names.indexOf('never_contacted')], never[names.indexOf('log_hours_to_first_contact')]]).toEqual([
      1, 0,
    ]);
    expect(after[names.indexOf('never_contacted')]).toBe(0);
    expect(after[names.indexOf('log_hours_to_first_contact')]).toBeCloseTo(Math.log(24));
  });

  it('encodes the e-mail domain kind as free or corporate, none being neither', () => {
    const names = featureNames([]);
    const kinds = (['free', 'corporate', 'none'] as const).map((email_kind) => {
      const values = featureValues(row({ email_kind }), []);
      return [values[names.indexOf('email:free')], values[names.indexOf('email:corporate')]];
    });
    expect(kinds).toEqual([
      [1, 0],
      [0, 1],
      [0, 0],
    ]);
  });
});
