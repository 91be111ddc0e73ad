import { ValidationException } from '@app/common';
import { NoOptionsPipe } from './no-options.pipe';

describe('NoOptionsPipe (the body of a route without options)', () => {
  const pipe = new NoOptionsPipe();

  it('accepts no body, null, an empty string and {}', () => {
    for (const body of [undefined, null, '', {}]) expect(pipe.transform(body)).toEqual({});
  });

  it('refuses every field by name', () => {
    try {
      pipe.transform({ include: ['leads'], format: 'csv' });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as ValidationException).errors).toEqual([
        { field: 'include', message: 'include is not an accepted field' },
        { field: 'format', message: 'format is not an accepted field' },
      ]);
    }
  });

  it('refuses an array, a number or a string as the body', () => {
    for (const body of [[], [1], 42, 'x', true]) expect(() => pipe.transform(body)).toThrow(ValidationException);
  });
});
