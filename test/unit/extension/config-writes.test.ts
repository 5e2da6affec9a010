// The settings the extension writes: an index folder is added once, the library folders as picked, and the
// trained models exactly as the user chose, the SEE's file before the switch to it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexLocationWrite, libraryPathsWrite, trainedModelWrites } from '../../../src/extension/config-writes';

test('an index folder joins the searched locations once, after the ones there', () => {
  assert.deepEqual(indexLocationWrite(['/a/index'], '/b/index'), [{ setting: 'index.locations', value: ['/a/index', '/b/index'] }]);
  assert.deepEqual(indexLocationWrite(['/a/index', '/b/index'], '/b/index'), []);
  assert.deepEqual(indexLocationWrite([], '/b/index'), [{ setting: 'index.locations', value: ['/b/index'] }]);
});

test('the picked library folders are written as they are', () => {
  assert.deepEqual(libraryPathsWrite(['/lib', '/more']), [{ setting: 'library.paths', value: ['/lib', '/more'] }]);
});

test('the trained models are switched to as chosen, the SEE path before model: custom', () => {
  const see = '/lib/.formula-lens/models/see.onnx';
  const symbolic = '/lib/.formula-lens/models/symbolic.onnx';
  const choice = (useSee: boolean, useSymbolic: boolean) => ({ label: 'choice', see: useSee, symbolic: useSymbolic });
  assert.deepEqual(trainedModelWrites(choice(true, true), see, symbolic), [
    { setting: 'symbolicModelPath', value: symbolic },
    { setting: 'customModelPath', value: see },
    { setting: 'model', value: 'custom' },
  ]);
  assert.deepEqual(trainedModelWrites(choice(false, true), see, symbolic), [{ setting: 'symbolicModelPath', value: symbolic }]);
  assert.deepEqual(trainedModelWrites(choice(true, false), see, symbolic).map((write) => write.setting), ['customModelPath', 'model']);
  assert.deepEqual(trainedModelWrites(choice(false, true), see, undefined), [], 'no symbolic model was trained');
  assert.deepEqual(trainedModelWrites(choice(false, false), see, symbolic), []);
  assert.deepEqual(trainedModelWrites(undefined, see, symbolic), [], 'the message was dismissed');
});
