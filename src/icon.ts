import { LabIcon } from '@jupyterlab/ui-components';
import iconSvg from '../style/icons/data-engineer.svg';

/** The sidebar and settings icon. */
export const dataEngineerIcon = new LabIcon({
  name: 'data-engineer:icon',
  svgstr: iconSvg
});
