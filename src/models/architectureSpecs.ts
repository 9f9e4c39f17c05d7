// The architectures as data: id, label, role, a description for the page's pickers and the URL
// codec, and the layer list itself (no tfjs here). networkOf turns the list into a network with
// shapes (network.ts): the tfjs builder (architectures.ts) builds that network, the feature taps
// (taps.ts) and the PyTorch export (src/export/networks.ts) read it, so each architecture is
// written once (docs/ARCHITECTURE.md §2).
import { NetworkBuilder, type InputShape, type Network } from './network';

export type { InputShape } from './network';
export type Role = 'student' | 'teacher';

/** A size that is wider on inputs under 16 pixels high (isSmallInput), or one size for both. */
export type BySize = number | { small: number; large: number };

/**
 * One step of an architecture's body, before the logits. Convs are 3×3 with same padding and a
 * ReLU, max-poolings 2×2 (`largeOnly`: left out on small inputs), dense layers ReLU; `residual`
 * is a basic block (He et al. 2016) without BatchNorm, whose moving statistics the lab's own loop
 * would never update: relu(conv3x3(relu(conv3x3(x))) + skip(x)), the skip the identity or, when
 * the channels change, a 1×1 conv; its inner layers are `<name>_conv1`, `_conv2`, `_skip`,
 * `_add`, and its output (post-ReLU) is `name`.
 */
export type ArchitectureStep =
  | { kind: 'conv'; name: string; filters: BySize }
  | { kind: 'residual'; name: string; filters: number }
  | { kind: 'maxpool'; name: string; largeOnly?: true }
  | { kind: 'flatten'; name: string }
  | { kind: 'gap'; name: string }
  | { kind: 'dense'; name: string; units: number }
  | { kind: 'dropout'; name: string; rate: number };

interface ArchitectureEntry {
  id: string;
  label: string;
  role: Role;
  description: string;
  /**
   * The layers before the logits (a dense layer of one unit per class, named `logits`). Their
   * names are the feature taps: `block1`, `block2`, ... the conv blocks (post-ReLU), `embedding`
   * the penultimate layer (taps.ts).
   */
  body: readonly ArchitectureStep[];
}

export interface ArchitectureSpec extends ArchitectureEntry {
  /** How many 2×2 max-poolings halve the image: on inputs under 16 pixels high (isSmallInput), and on larger ones (counted in `body`). */
  poolings: { small: number; large: number };
}

/** Inputs under 16 pixels high (Digits' 8×8) get wider first layers and one pooling less. */
export function isSmallInput(shape: InputShape): boolean {
  return shape[0] < 16;
}

/**
 * Why images of `shape` are too small for the architecture, or null: each 2×2 max-pooling halves
 * them, and a side that reaches 0 leaves nothing to classify (the wasm backend then reads out of
 * bounds, docs/ARCHITECTURE.md §5).
 */
export function inputSizeProblem(spec: ArchitectureSpec, shape: InputShape): string | null {
  const poolings = isSmallInput(shape) ? spec.poolings.small : spec.poolings.large;
  const side = 2 ** poolings;
  const [height, width] = shape;
  if (height >= side && width >= side) return null;
  const times = poolings === 1 ? 'once' : poolings === 2 ? 'twice' : `${poolings} times`;
  return `the images are ${height}×${width} pixels; ${spec.label} halves them ${times} with max-pooling and needs at least ${side}×${side}`;
}

const ENTRIES: readonly ArchitectureEntry[] = [
  {
    id: 'mlp',
    label: 'MLP',
    role: 'student',
    description: 'Flatten → dense 32 (ReLU) → classes. No convolutions.',
    body: [
      { kind: 'flatten', name: 'flatten' },
      { kind: 'dense', name: 'embedding', units: 32 },
    ],
  },
  {
    id: 'tiny-cnn',
    label: 'Tiny CNN',
    role: 'student',
    description: 'Two 3×3 conv blocks (8 and 16 channels; 16 and 32 on 8×8 inputs), max-pooling, a linear classifier.',
    body: [
      { kind: 'conv', name: 'block1', filters: { small: 16, large: 8 } },
      { kind: 'maxpool', name: 'pool1', largeOnly: true },
      { kind: 'conv', name: 'block2', filters: { small: 32, large: 16 } },
      { kind: 'maxpool', name: 'pool2' },
      { kind: 'flatten', name: 'embedding' },
    ],
  },
  {
    id: 'small-cnn',
    label: 'Small CNN',
    role: 'student',
    description: 'Three 3×3 conv blocks (16, 32, 64 channels), global average pooling, a linear classifier.',
    body: [
      { kind: 'conv', name: 'block1', filters: 16 },
      { kind: 'maxpool', name: 'pool1', largeOnly: true },
      { kind: 'conv', name: 'block2', filters: 32 },
      { kind: 'maxpool', name: 'pool2' },
      { kind: 'conv', name: 'block3', filters: 64 },
      { kind: 'gap', name: 'embedding' },
    ],
  },
  {
    id: 'medium-cnn',
    label: 'Medium CNN',
    role: 'student',
    description: 'Two 3×3 conv blocks (16 and 32 channels; 32 and 64 on 8×8 inputs), max-pooling, a 40-unit dense layer: about 90k parameters on CIFAR-10, the size of the TensorFlow KD tutorial’s student.',
    body: [
      { kind: 'conv', name: 'block1', filters: { small: 32, large: 16 } },
      { kind: 'maxpool', name: 'pool1', largeOnly: true },
      { kind: 'conv', name: 'block2', filters: { small: 64, large: 32 } },
      { kind: 'maxpool', name: 'pool2' },
      { kind: 'flatten', name: 'flatten' },
      { kind: 'dense', name: 'embedding', units: 40 },
    ],
  },
  {
    id: 'teacher-cnn',
    label: 'Teacher CNN',
    role: 'teacher',
    description: 'Two 3×3 conv blocks (16 and 32 channels; 32 and 64 on 8×8 inputs), a 256-unit dense layer with dropout.',
    body: [
      { kind: 'conv', name: 'block1', filters: { small: 32, large: 16 } },
      { kind: 'maxpool', name: 'pool1', largeOnly: true },
      { kind: 'conv', name: 'block2', filters: { small: 64, large: 32 } },
      { kind: 'maxpool', name: 'pool2' },
      { kind: 'flatten', name: 'flatten' },
      { kind: 'dense', name: 'embedding', units: 256 },
      { kind: 'dropout', name: 'dropout', rate: 0.3 },
    ],
  },
  {
    id: 'teacher-resnet',
    label: 'ResNet-style teacher',
    role: 'teacher',
    description: 'A 3×3 conv stem (16 channels), three residual blocks (16, 32, 64 channels; two 3×3 convs and a skip each, no BatchNorm) with max-pooling between them, global average pooling, a linear classifier. Meant for 32×32 colour images.',
    body: [
      { kind: 'conv', name: 'stem', filters: 16 },
      { kind: 'residual', name: 'block1', filters: 16 },
      { kind: 'maxpool', name: 'pool1', largeOnly: true },
      { kind: 'residual', name: 'block2', filters: 32 },
      { kind: 'maxpool', name: 'pool2' },
      { kind: 'residual', name: 'block3', filters: 64 },
      { kind: 'gap', name: 'embedding' },
    ],
  },
];

const countPoolings = (body: readonly ArchitectureStep[], small: boolean) => body.filter((step) => step.kind === 'maxpool' && !(small && step.largeOnly)).length;

export const ARCHITECTURE_SPECS: readonly ArchitectureSpec[] = ENTRIES.map((entry) => ({
  ...entry,
  poolings: { small: countPoolings(entry.body, true), large: countPoolings(entry.body, false) },
}));

const conv = (name: string, filters: number, kernelSize: number, activation: 'relu' | 'linear', from?: string) =>
  ({ kind: 'conv', name, filters, kernelSize, padding: 'same', activation, ...(from !== undefined ? { from } : {}) }) as const;

/** A residual block's layers on top of what `b` has built so far (see ArchitectureStep). */
function addResidualBlock(b: NetworkBuilder, name: string, filters: number): void {
  const input = b.lastName;
  if (input === undefined) throw new Error(`The residual block ${name} needs a layer before it`);
  const inChannels = b.shape[2];
  b.add(conv(`${name}_conv1`, filters, 3, 'relu'));
  b.add(conv(`${name}_conv2`, filters, 3, 'linear'));
  let skip = input;
  if (inChannels !== filters) {
    b.add(conv(`${name}_skip`, filters, 1, 'linear', input));
    skip = `${name}_skip`;
  }
  b.add({ kind: 'add', name: `${name}_add`, inputs: [`${name}_conv2`, skip] });
  b.add({ kind: 'relu', name });
}

/** The architecture's network on a dataset shape: its layers in order with their shapes, ending in the logits. */
export function networkOf(spec: Pick<ArchitectureEntry, 'id' | 'body'>, inputShape: InputShape, numClasses: number): Network {
  const b = new NetworkBuilder(inputShape);
  const small = isSmallInput(inputShape);
  for (const step of spec.body) {
    switch (step.kind) {
      case 'conv':
        b.add(conv(step.name, typeof step.filters === 'number' ? step.filters : small ? step.filters.small : step.filters.large, 3, 'relu'));
        break;
      case 'residual':
        addResidualBlock(b, step.name, step.filters);
        break;
      case 'maxpool':
        if (!(small && step.largeOnly)) b.add({ kind: 'maxpool', name: step.name, poolSize: 2 });
        break;
      case 'dense':
        b.add({ kind: 'dense', name: step.name, units: step.units, activation: 'relu' });
        break;
      default:
        b.add(step);
    }
  }
  b.add({ kind: 'dense', name: 'logits', units: numClasses, activation: 'linear' });
  return b.network(spec.id);
}

/** Whether the id names a teacher architecture (trained here with "Train a teacher", never a student). */
export function isTeacherArchitecture(id: string): boolean {
  return ARCHITECTURE_SPECS.some((arch) => arch.id === id && arch.role === 'teacher');
}

/** The student architectures, in the pickers' order. */
export function studentArchitectures(): ArchitectureSpec[] {
  return ARCHITECTURE_SPECS.filter((a) => a.role === 'student');
}
