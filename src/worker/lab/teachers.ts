// The lab's teachers: shipped ones fetched from the app's origin and kept, and the one the user
// loaded from disk (replaced by the next upload).
import type * as tfl from '@tensorflow/tfjs-layers';
import { disposeModel } from '../../models/architectures';
import { loadModelFromFiles, loadModelFromSourceFiles, readModelManifest, weightFileName } from '../../models/io';
import { teacherMismatch, teacherModelPath } from '../../models/catalog';
import type { DatasetInfo, FetchBytes } from '../../data/types';
import type { TeacherFit, TeacherSource } from '../protocol';

type DatasetShape = Pick<DatasetInfo, 'name' | 'inputShape' | 'numClasses'>;

function fitOf(model: tfl.LayersModel, message: string): TeacherFit {
  const output = model.outputs[0].shape;
  return { message, parameters: model.countParams(), inputShape: model.inputs[0].shape.slice(), numClasses: output[output.length - 1] ?? 0 };
}

export class Teachers {
  private readonly shipped = new Map<string, Promise<tfl.LayersModel>>();
  private uploaded: { name: string; model: tfl.LayersModel } | null = null;

  constructor(
    private readonly fetchBytes: FetchBytes,
    private readonly fetchJson: (path: string) => Promise<unknown>,
  ) {}

  /** Load a teacher and check it fits the dataset; files the user picked become the 'uploaded' teacher only when they fit. */
  async check(info: DatasetShape, source: TeacherSource): Promise<TeacherFit> {
    if (source.kind !== 'files') return fitOf(await this.resolve(source, info), `Teacher fits ${info.name}`);
    const model = await this.loadFiles(source);
    const mismatch = teacherMismatch(model.inputs[0].shape, model.outputs[0].shape, info);
    if (mismatch) {
      disposeModel(model);
      throw new Error(mismatch);
    }
    this.keepUploaded(source.modelFile.name, model);
    return fitOf(model, `${source.modelFile.name} fits ${info.name}`);
  }

  /** The teacher a source names, checked against the dataset. */
  async resolve(source: TeacherSource, info: DatasetShape): Promise<tfl.LayersModel> {
    let model: tfl.LayersModel;
    if (source.kind === 'shipped') model = await this.loadShipped(source.id);
    else if (source.kind === 'uploaded') {
      if (!this.uploaded) throw new Error('No teacher has been loaded from disk');
      model = this.uploaded.model;
    } else {
      model = await this.loadFiles(source);
      this.keepUploaded(source.modelFile.name, model);
    }
    const mismatch = teacherMismatch(model.inputs[0].shape, model.outputs[0].shape, info);
    if (mismatch) throw new Error(mismatch);
    return model;
  }

  private keepUploaded(name: string, model: tfl.LayersModel): void {
    if (this.uploaded) disposeModel(this.uploaded.model);
    this.uploaded = { name, model };
  }

  private loadShipped(id: string): Promise<tfl.LayersModel> {
    const existing = this.shipped.get(id);
    if (existing) return existing;
    const loading = (async () => {
      const modelPath = teacherModelPath(id);
      const folder = modelPath.slice(0, modelPath.lastIndexOf('/') + 1);
      const modelJson = await this.fetchJson(modelPath);
      const weights = new Map<string, Uint8Array>();
      for (const group of readModelManifest(modelJson, modelPath).groups) {
        for (const path of group.paths) weights.set(path, await this.fetchBytes(folder + path));
      }
      const model = await loadModelFromFiles(modelJson, weights, modelPath);
      model.trainable = false;
      return model;
    })();
    this.shipped.set(id, loading);
    loading.catch(() => this.shipped.delete(id));
    return loading;
  }

  private async loadFiles(source: Extract<TeacherSource, { kind: 'files' }>): Promise<tfl.LayersModel> {
    // Uploads are matched by plain file name: the browser gives no folders.
    const byName = new Map(source.weightFiles.map((file) => [file.name, file]));
    const model = await loadModelFromSourceFiles(source.modelFile, (manifestPath) => byName.get(weightFileName(manifestPath)));
    model.trainable = false;
    return model;
  }
}
