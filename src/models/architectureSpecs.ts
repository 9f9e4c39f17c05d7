// The architectures as data: id, label, role and a description, for the page's pickers and the
// URL codec (no tfjs here). Their builders are in architectures.ts.

export type Role = 'student' | 'teacher';
export type InputShape = [number, number, number];

export interface ArchitectureSpec {
  id: string;
  label: string;
  role: Role;
  description: string;
}

export const ARCHITECTURE_SPECS: readonly ArchitectureSpec[] = [
  {
    id: 'mlp',
    label: 'MLP',
    role: 'student',
    description: 'Flatten → dense 32 (ReLU) → classes. No convolutions.',
  },
  {
    id: 'tiny-cnn',
    label: 'Tiny CNN',
    role: 'student',
    description: 'Two 3×3 conv blocks (8 and 16 channels; 16 and 32 on 8×8 inputs), max-pooling, a linear classifier.',
  },
  {
    id: 'small-cnn',
    label: 'Small CNN',
    role: 'student',
    description: 'Three 3×3 conv blocks (16, 32, 64 channels), global average pooling, a linear classifier.',
  },
  {
    id: 'teacher-cnn',
    label: 'Teacher CNN',
    role: 'teacher',
    description: 'Two 3×3 conv blocks (16 and 32 channels; 32 and 64 on 8×8 inputs), a 256-unit dense layer with dropout.',
  },
  {
    id: 'teacher-resnet',
    label: 'ResNet-style teacher',
    role: 'teacher',
    description: 'A 3×3 conv stem (16 channels), three residual blocks (16, 32, 64 channels; two 3×3 convs and a skip each, no BatchNorm) with max-pooling between them, global average pooling, a linear classifier. Meant for 32×32 colour images.',
  },
];

/** The student architectures, in the pickers' order. */
export function studentArchitectures(): ArchitectureSpec[] {
  return ARCHITECTURE_SPECS.filter((a) => a.role === 'student');
}
