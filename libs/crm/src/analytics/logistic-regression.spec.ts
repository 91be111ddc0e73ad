import { auc, pickRows, predict, seededRandom, stratifiedSplit, train, type Matrix } from './logistic-regression';

function matrix(rows: number[][]): Matrix {
  return { rows: rows.length, columns: rows[0].length, values: Float64Array.from(rows.flat()) };
}

describe('auc', () => {
  it('is 1 when every positive scores above every negative', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
  });

  it('is 0 when every positive scores below every negative', () => {
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
  });

  it('counts a tie between a positive and a negative as one half', () => {
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5);
  });

  it('matches a hand count of pairs: 3 of 4 positive-negative pairs ordered right', () => {
    // positives 0.4, 0.9; negatives 0.1, 0.6 → pairs (0.4>0.1) (0.4<0.6) (0.9>0.1) (0.9>0.6) = 3/4
    expect(auc([0.1, 0.4, 0.6, 0.9], [0, 1, 0, 1])).toBe(0.75);
  });

  it('is NaN without both classes', () => {
    expect(auc([0.1, 0.2], [1, 1])).toBeNaN();
  });
});

describe('logistic regression', () => {
  it('separates a toy set split by one feature', () => {
    const x = matrix([[0], [1], [2], [3], [7], [8], [9], [10]]);
    const y = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const model = train(x, y, { iterations: 500 });
    expect(model.coefficients[0]).toBeGreaterThan(0);
    expect([0, 1, 2, 3].every((v) => predict(model, [v]) < 0.5)).toBe(true);
    expect([7, 8, 9, 10].every((v) => predict(model, [v]) > 0.5)).toBe(true);
  });

  it('gives an uninformative feature a weight near zero and the base rate as its score', () => {
    const random = seededRandom(7);
    const rows = Array.from({ length: 2000 }, () => [random()]);
    const y = Uint8Array.from(rows.map(() => (random() < 0.3 ? 1 : 0)));
    const model = train(matrix(rows), y);
    expect(Math.abs(model.coefficients[0])).toBeLessThan(0.1);
    expect(predict(model, [0.5])).toBeCloseTo(0.3, 1);
  });

  it('learns a planted signal with a held-out AUC above 0.75', () => {
    const random = seededRandom(11);
    const rows = Array.from({ length: 1000 }, () => [random() < 0.5 ? 1 : 0, random()]);
    const y = Uint8Array.from(rows.map(([signal]) => (random() < (signal ? 0.8 : 0.2) ? 1 : 0)));
    const x = matrix(rows);
    const { trainRows, testRows } = stratifiedSplit(y, 0.2, 1);
    const model = train(pickRows(x, trainRows), Uint8Array.from(trainRows.map((i) => y[i])));
    const scores = testRows.map((i) => predict(model, rows[i]));
    expect(
      auc(
        scores,
        testRows.map((i) => y[i]),
      ),
    ).toBeGreaterThan(0.75);
  });

  it('is deterministic: the same data gives the same coefficients', () => {
    const x = matrix([
      [1, 0],
      [0, 1],
      [1, 1],
      [0, 0],
    ]);
    const y = Uint8Array.from([1, 0, 1, 0]);
    expect(train(x, y)).toEqual(train(x, y));
  });
});

describe('stratified split', () => {
  it('holds out a fifth of each class, disjoint from the training rows, the same on every run', () => {
    const labels = Array.from({ length: 100 }, (_, i) => (i < 30 ? 1 : 0));
    const first = stratifiedSplit(labels, 0.2, 42);
    expect(first.testRows.filter((i) => labels[i] === 1)).toHaveLength(6);
    expect(first.testRows.filter((i) => labels[i] === 0)).toHaveLength(14);
    expect(first.trainRows.filter((i) => first.testRows.includes(i))).toEqual([]);
    expect(stratifiedSplit(labels, 0.2, 42)).toEqual(first);
  });
});
