// The architectures as data: id, label, role and a description, for the page's pickers and the
// URL codec (no tfjs here). Their builders are in architectures.ts.

export type Role = 'student' | 'teacher';
export type InputShape = [number, number, number];

export interface ArchitectureSpec {
  id: string;
  label: string;
  role: Role;
  description: string;
  /** How many 2×2 max-poolings halve the image: on inputs under 16 pixels high (isSmallInput), and on larger ones. */
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

export const ARCHITECTURE_SPECS: readonly ArchitectureSpec[] = [
  {
    id: 'mlp',
    label: 'MLP',
    role: 'student',
    description: 'Flatten → dense 32 (ReLU) → classes. No convolutions.',
    poolings: { small: 0, large: 0 },
  },
  {
    id: 'tiny-cnn',
    label: 'Tiny CNN',
    role: 'student',
    description: 'Two 3×3 conv blocks (8 and 16 channels; 16 and 32 on 8×8 inputs), max-pooling, a linear classifier.',
    poolings: { small: 1, large: 2 },
  },
  {
    id: 'small-cnn',
    label: 'Small CNN',
    role: 'student',
    description: 'Three 3×3 conv blocks (16, 32, 64 channels), global average pooling, a linear classifier.',
    poolings: { small: 1, large: 2 },
  },
  {
    id: 'teacher-cnn',
    label: 'Teacher CNN',
    role: 'teacher',
    description: 'Two 3×3 conv blocks (16 and 32 channels; 32 and 64 on 8×8 inputs), a 256-unit dense layer with dropout.',
    poolings: { small: 1, large: 2 },
  },
  {
    id: 'teacher-resnet',
    label: 'ResNet-style teacher',
    role: 'teacher',
    description: 'A 3×3 conv stem (16 channels), three residual blocks (16, 32, 64 channels; two 3×3 convs and a skip each, no BatchNorm) with max-pooling between them, global average pooling, a linear classifier. Meant for 32×32 colour images.',
    poolings: { small: 1, large: 2 },
  },
];

/** Whether the id names a teacher architecture (trained here with "Train a teacher", never a student). */
export function isTeacherArchitecture(id: string): boolean {
  return ARCHITECTURE_SPECS.some((arch) => arch.id === id && arch.role === 'teacher');
}

/** The student architectures, in the pickers' order. */
export function studentArchitectures(): ArchitectureSpec[] {
  return ARCHITECTURE_SPECS.filter((a) => a.role === 'student');
}
