/**
 * Logistic regression in plain TypeScript: standardized features, batch gradient descent with L2,
 * deterministic (no random initialisation; the split uses a seeded generator). Small enough to read,
 * fast enough for 100k rows × a few dozen features in well under a second per hundred iterations.
 */

export interface TrainOptions {
  iterations?: number;
  learningRate?: number;
  /** L2 penalty on the coefficients (not the intercept). */
  l2?: number;
}

export interface Standardization {
  mean: number[];
  scale: number[];
}

export interface LogisticModel extends Standardization {
  intercept: number;
  coefficients: number[];
}

/** A row-major matrix: `rows` × `columns` values in one Float64Array. */
export interface Matrix {
  rows: number;
  columns: number;
  values: Float64Array;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Mean and standard deviation per column (a constant column gets scale 1, so it standardizes to 0). */
export function standardization(x: Matrix): Standardization {
  const { rows, columns, values } = x;
  const mean = new Array<number>(columns).fill(0);
  const scale = new Array<number>(columns).fill(0);
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) mean[j] += values[i * columns + j];
  for (let j = 0; j < columns; j++) mean[j] /= rows || 1;
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) scale[j] += (values[i * columns + j] - mean[j]) ** 2;
  for (let j = 0; j < columns; j++) {
    const sd = Math.sqrt(scale[j] / (rows || 1));
    scale[j] = sd > 1e-12 ? sd : 1;
  }
  return { mean, scale };
}

/** Fits the model on `x` (raw features) and labels `y` (0 or 1). */
export function train(x: Matrix, y: Uint8Array, options: TrainOptions = {}): LogisticModel {
  const { iterations = 300, learningRate = 0.5, l2 = 0.01 } = options;
  const { rows, columns, values } = x;
  const { mean, scale } = standardization(x);
  const z = new Float64Array(values.length);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < columns; j++) z[i * columns + j] = (values[i * columns + j] - mean[j]) / scale[j];
  const w = new Float64Array(columns);
  let b = 0;
  const gradient = new Float64Array(columns);
  for (let step = 0; step < iterations; step++) {
    gradient.fill(0);
    let gradientB = 0;
    for (let i = 0; i < rows; i++) {
      let s = b;
      const offset = i * columns;
      for (let j = 0; j < columns; j++) s += w[j] * z[offset + j];
      const error = sigmoid(s) - y[i];
      gradientB += error;
      for (let j = 0; j < columns; j++) gradient[j] += error * z[offset + j];
    }
    const n = rows || 1;
    for (let j = 0; j < columns; j++) w[j] -= learningRate * (gradient[j] / n + l2 * w[j]);
    b -= learningRate * (gradientB / n);
  }
  return { mean, scale, intercept: b, coefficients: [...w] };
}

/** Each feature's contribution to the log-odds of one row: coefficient × standardized value. */
export function contributions(model: LogisticModel, row: ArrayLike<number>): number[] {
  return model.coefficients.map((w, j) => w * ((row[j] - model.mean[j]) / model.scale[j]));
}

export function predict(model: LogisticModel, row: ArrayLike<number>): number {
  return sigmoid(contributions(model, row).reduce((sum, c) => sum + c, model.intercept));
}

/**
 * Rank-based AUC (Mann–Whitney U): the chance a random positive scores above a random negative,
 * ties counting one half. NaN when either class is missing.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
    const rank = (start + end) / 2 + 1; // average rank of a tie group, 1-based
    for (let k = start; k <= end; k++) {
      if (labels[order[k]] === 1) {
        positives++;
        rankSum += rank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (!positives || !negatives) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** mulberry32: a small seeded generator, so a split is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A stratified split: `testShare` of each class held out (at least one of each when the class has
 * two or more), chosen by a seeded shuffle. Returns the indexes of the training and test rows.
 */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  testShare: number,
  seed: number,
): { trainRows: number[]; testRows: number[] } {
  const random = seededRandom(seed);
  const trainRows: number[] = [];
  const testRows: number[] = [];
  for (const label of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === label) rows.push(i);
    for (let i = rows.length - 1; i > 0; i--) {
      const k = Math.floor(random() * (i + 1));
      [rows[i], rows[k]] = [rows[k], rows[i]];
    }
    const held = rows.length >= 2 ? Math.max(1, Math.round(rows.length * testShare)) : 0;
    testRows.push(...rows.slice(0, held));
    trainRows.push(...rows.slice(held));
  }
  return { trainRows: trainRows.sort((a, b) => a - b), testRows: testRows.sort((a, b) => a - b) };
}

/** The rows `indexes` of `x` as a new matrix. */
export function pickRows(x: Matrix, indexes: readonly number[]): Matrix {
  const values = new Float64Array(indexes.length * x.columns);
  indexes.forEach((row, i) => values.set(x.values.subarray(row * x.columns, (row + 1) * x.columns), i * x.columns));
  return { rows: indexes.length, columns: x.columns, values };
}
